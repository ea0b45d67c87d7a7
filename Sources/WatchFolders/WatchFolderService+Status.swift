import AnalysisStore
import Foundation
import JumperCore

extension WatchFolderService {
    /// Returns the contract's service status, with per-folder counts of every stored folder.
    public func status() -> JSON {
        let folders = (try? self.store.allFolders()) ?? []
        var folderStats = JSONObject()
        let snapshots = self.condition.withLock { self.snapshots }
        for folder in folders {
            let counters = (try? self.store.counters(folderID: folder.id)) ?? FolderCounters()
            let snapshot = snapshots[folder.id]
            var stats = JSONObject()
            stats["files_seen"] = JSON(snapshot?.filesSeen ?? 0)
            stats["files_analyzed"] = JSON(counters.filesAnalyzed)
            stats["files_failed"] = JSON(counters.filesFailed)
            stats["last_scan"] = JSON(snapshot?.lastScan.map(formatISO8601))
            stats["files_skipped"] = JSON(counters.filesSkipped)
            stats["files_settling"] = JSON(snapshot?.filesSettling ?? 0)
            stats["files_queued"] = JSON(snapshot?.filesQueued ?? 0)
            stats["path"] = .string(folder.path)
            stats["state"] = .string(Self.folderState(folder: folder, snapshot: snapshot))
            stats["watch_mode"] = JSON(snapshot?.watchMode)
            stats["paused_until"] = JSON(snapshot?.pausedUntil.map(formatISO8601))
            stats["last_error"] = JSON(snapshot?.lastError)
            folderStats[String(folder.id)] = .object(stats)
        }

        return self.condition.withLock {
            var object = JSONObject()
            object["state"] = .string(self.reportedStateLocked().rawValue)
            object["current_folder"] = JSON(self.currentFolder)
            object["current_file"] = JSON(self.currentFile)
            object["files_pending"] = JSON(self.pendingCount)
            object["files_processed_this_session"] = JSON(self.processedThisSession)
            object["last_error"] = JSON(self.lastError)
            object["paused_until"] = JSON(self.pausedUntil.map(formatISO8601))
            object["folder_stats"] = .object(folderStats)
            object["files_settling"] = JSON(self.settlingCount)
            object["current_task_id"] = JSON(self.currentTaskID)
            object["settle_seconds"] = JSON(self.configuration.settleSeconds)
            object["rescan_seconds"] = JSON(self.configuration.rescanSeconds)
            return .object(object)
        }
    }

    /// Returns the state clients see: `waiting` while a client's task runs, and `paused` until
    /// `paused_until` while every folder with queued files is paused after an error.
    func reportedStateLocked() -> State {
        guard self.state == .running else { return self.state }
        if let until = self.pausedUntil, Date() < until {
            return .paused
        }
        if self.runner.isBusy, let running = self.runner.runningTaskID, running != self.currentTaskID {
            return .waiting
        }
        return .running
    }

    private static func folderState(folder: WatchFolder, snapshot: FolderSnapshot?) -> String {
        guard folder.enabled else { return "disabled" }
        guard let snapshot else { return "stopped" }
        return snapshot.isAvailable && snapshot.pausedUntil == nil ? "watching" : "paused"
    }

    /// Copies the loop's per-folder state into the fields `status()` reads.
    func publishStatus() {
        var snapshots: [Int64: FolderSnapshot] = [:]
        var pending = 0
        var settling = 0
        for (id, runtime) in self.runtimes {
            snapshots[id] = runtime.snapshot()
            pending += runtime.queue.count
            settling += runtime.tracker.count
        }
        if let batch = self.batch {
            let finished = self.runner.progress(taskID: batch.taskID)?.fileIndex ?? 0
            pending += max(0, batch.files.count - finished)
        }

        // The service counts as paused while every folder with queued files is paused.
        let now = Date()
        let waiting = self.runtimes.values.filter { !$0.queue.isEmpty }
        let pauses = waiting.compactMap { runtime in runtime.heldUntil.flatMap { $0 > now ? $0 : nil } }
        let pausedUntil = !waiting.isEmpty && pauses.count == waiting.count ? pauses.min() : nil

        self.condition.withLock {
            self.pausedUntil = pausedUntil
            self.snapshots = snapshots
            self.pendingCount = pending
            self.settlingCount = settling
        }
    }
}
