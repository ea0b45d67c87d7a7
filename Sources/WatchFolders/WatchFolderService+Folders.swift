import AnalysisStore
import Foundation
import Glibc
import Media

extension WatchFolderService {
    // MARK: - Folder list

    /// Brings the runtimes in line with the stored folders: new ones start with a scan,
    /// deleted or disabled ones are dropped, and a change of path or rules starts over.
    func loadFolders() {
        let folders: [WatchFolder]
        do {
            folders = try self.store.allFolders()
        } catch {
            self.logger.error("watch folders could not be read", ["error": String(describing: error)])
            self.recordError("watch folders could not be read: \(error)")
            return
        }
        let enabled = Dictionary(uniqueKeysWithValues: folders.filter(\.enabled).map { ($0.id, $0) })

        for (id, runtime) in self.runtimes {
            if let folder = enabled[id], runtime.hasSameScope(as: folder) {
                runtime.folder = folder
                continue
            }
            self.watcher?.unwatch(root: runtime.folder.path)
            self.runtimes.removeValue(forKey: id)
        }
        for (id, folder) in enabled where self.runtimes[id] == nil {
            do {
                self.runtimes[id] = FolderRuntime(
                    folder: folder,
                    records: try self.store.fileRecords(folderID: id),
                    counters: try self.store.counters(folderID: id),
                    settleSeconds: self.configuration.settleSeconds
                )
                self.logger.info("watching folder", ["folder.id": String(id), "folder.path": folder.path])
            } catch {
                self.logger.error("watch folder records could not be read", ["folder.id": String(id), "error": String(describing: error)])
                self.recordError("records of watch folder \(id) could not be read: \(error)")
            }
        }
    }

    /// Marks the folders in which inotify saw a change, or all of them after an overflow.
    func applyInotifyChanges() {
        guard let changes = self.watcher?.takeChanges() else { return }
        if changes.overflowed {
            self.logger.warning("inotify queue overflowed; rescanning every watch folder")
        }
        for runtime in self.runtimes.values {
            if changes.overflowed || changes.directories.contains(where: runtime.contains(directory:)) {
                runtime.needsScan = true
            }
        }
    }

    // MARK: - One folder

    /// Scans the folder when due, follows its unsettled files, and queues settled ones.
    func refresh(_ runtime: FolderRuntime, now: Double) {
        let isDue = runtime.lastScanUptime.map { now - $0 >= self.configuration.rescanSeconds } ?? true
        if runtime.unavailableReason != nil {
            // Checking that the root exists costs one stat, so a returning drive is noticed within a tick.
            var status = stat()
            guard stat(runtime.folder.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { return }
            runtime.needsScan = true
        }
        // inotify can wake the loop many times a second, so a folder is listed at most twice a second.
        // NOTE: an event lists the whole folder tree again, not just the changed subfolder. That
        // took a median 34 ms for 10,000 files in a release build, but grows with the tree.
        let mayScanAgain = runtime.lastScanUptime.map { now - $0 >= 0.5 } ?? true
        if (runtime.needsScan && mayScanAgain) || isDue {
            self.scan(runtime, now: now)
        } else {
            self.followUnsettledFiles(runtime, now: now)
        }
        guard runtime.unavailableReason == nil else { return }

        let settled = runtime.tracker.takeSettled(now: now, wallClockSeconds: Date().timeIntervalSince1970)
        for file in settled {
            self.handleSettled(path: file.path, signature: file.signature, runtime: runtime, now: now)
        }
    }

    private func scan(_ runtime: FolderRuntime, now: Double) {
        runtime.needsScan = false
        runtime.lastScanUptime = now
        let folder = runtime.folder
        let scan: FolderScan
        let started = ProcessInfo.processInfo.systemUptime
        do {
            scan = try FolderScanner.scan(
                root: folder.path,
                recursive: folder.recursive,
                filter: runtime.filter,
                excluding: [CacheDirectory.normalizedPath(folder.cacheDirectory)]
            )
        } catch {
            self.markUnavailable(runtime, error: error)
            return
        }
        runtime.lastScanDate = Date()
        if runtime.unavailableReason != nil {
            runtime.unavailableReason = nil
            runtime.lastError = nil
            self.logger.info("watch folder available again", ["folder.id": String(folder.id), "folder.path": folder.path])
        }

        runtime.present = scan.files
        runtime.tracker.removeAll { scan.files[$0] == nil }
        runtime.queue.removeAll { scan.files[$0.path] != $0.signature }
        runtime.deferred.removeAll { scan.files[$0.path] != $0.signature }
        let queued = Set(runtime.queue.map(\.path) + runtime.deferred.map(\.path))
        let running = self.batch.map { Set($0.files.keys) } ?? []
        for (path, signature) in scan.files {
            if runtime.records[path]?.signature == signature || queued.contains(path) || running.contains(path) {
                continue
            }
            runtime.tracker.observe(path: path, signature: signature, now: now)
        }

        let coverage = self.watcher?.watch(directories: scan.directories) ?? .limitReached
        if coverage == .limitReached && runtime.coverage != .limitReached {
            self.logger.warning(
                "inotify watch limit reached; this folder's changes are found by rescans",
                [
                    "folder.id": String(folder.id),
                    "folders.in.tree": String(scan.directories.count),
                    "rescan.seconds": String(self.configuration.rescanSeconds),
                ]
            )
        }
        runtime.coverage = coverage
        for (directory, reason) in scan.unreadableDirectories.prefix(3) {
            self.logger.warning("subfolder of a watch folder cannot be listed", ["folder.id": String(folder.id), "path": directory, "error": reason])
        }
        self.logger.debug(
            "watch folder scanned",
            [
                "folder.id": String(folder.id),
                "files.taken": String(scan.files.count),
                "files.skipped": String(scan.skippedCount),
                "duration.ms": String(Int((ProcessInfo.processInfo.systemUptime - started) * 1000)),
            ]
        )
    }

    private func markUnavailable(_ runtime: FolderRuntime, error: any Error) {
        let message = String(describing: error)
        if runtime.unavailableReason == nil {
            self.logger.warning("watch folder unavailable, paused", ["folder.id": String(runtime.folder.id), "error": message])
            self.recordError(message)
        }
        runtime.unavailableReason = message
        runtime.lastError = message
        // Nothing is deleted: records and analysis stay, and the files are found again on return.
        runtime.present = [:]
        runtime.tracker.removeAll { _ in true }
        runtime.queue = []
        runtime.deferred = []
        self.watcher?.unwatch(root: runtime.folder.path)
        runtime.coverage = nil
    }

    /// Looks at the files that have not settled yet, without listing the folder again.
    private func followUnsettledFiles(_ runtime: FolderRuntime, now: Double) {
        for path in runtime.tracker.paths {
            guard let signature = FileSignature.read(path: path) else {
                runtime.tracker.remove(path: path)
                runtime.present.removeValue(forKey: path)
                continue
            }
            runtime.tracker.observe(path: path, signature: signature, now: now)
        }
    }

    // MARK: - Settled files

    /// Hashes a settled file and queues it, unless the folder has already handled its content.
    private func handleSettled(path: String, signature: FileSignature, runtime: FolderRuntime, now: Double) {
        let folderID = runtime.folder.id
        let hashString: String
        do {
            hashString = try ContentHash.hashString(ofFileAt: path)
        } catch {
            guard FileSignature.read(path: path) == signature else { return }
            self.logger.warning("watched file cannot be read", ["folder.id": String(folderID), "media.path": path, "error": String(describing: error)])
            self.finish(path: path, record: FileRecord(signature: signature, hashString: "", outcome: .failed), runtime: runtime)
            return
        }
        // A file that changed while it was read goes back to settling.
        guard let current = FileSignature.read(path: path) else { return }
        guard current == signature else {
            runtime.tracker.observe(path: path, signature: current, now: now)
            return
        }

        let file = FolderRuntime.QueuedFile(path: path, signature: signature, hashString: hashString)
        if let batch = self.batch, batch.folderID == folderID, batch.files.values.contains(where: { $0.hashString == hashString }) {
            runtime.deferred.append(file)
            return
        }
        self.queueUnlessKnown(file, runtime: runtime, now: now)
    }

    /// Queues a hashed file for analysis, or records it as known when the folder has already
    /// handled its content under another path.
    func queueUnlessKnown(_ file: FolderRuntime.QueuedFile, runtime: FolderRuntime, now: Double) {
        let folderID = runtime.folder.id
        let isKnown: Bool
        do {
            isKnown = try self.store.hasHandledContent(hashString: file.hashString, folderID: folderID)
        } catch {
            self.logger.error("watch-folder records could not be read", ["folder.id": String(folderID), "error": String(describing: error)])
            self.recordError("watch-folder records could not be read: \(error)")
            runtime.tracker.observe(path: file.path, signature: file.signature, now: now)
            return
        }
        guard isKnown else {
            runtime.queue.append(file)
            return
        }
        // A renamed, moved or copied file: the manifest learns the new path, nothing is analysed.
        if let cache = try? CacheDirectory(existingPath: runtime.folder.cacheDirectory) {
            try? cache.recordSourcePath(hashString: file.hashString, sourcePath: file.path)
        }
        self.logger.info(
            "file content already analysed; skipped",
            ["folder.id": String(folderID), "media.path": file.path, "hash": file.hashString]
        )
        let record = FileRecord(signature: file.signature, hashString: file.hashString, outcome: .known)
        self.finish(path: file.path, record: record, runtime: runtime)
    }

    /// Stores a file's outcome and counts it.
    func finish(path: String, record: FileRecord, runtime: FolderRuntime) {
        do {
            try self.store.record(record, path: path, folderID: runtime.folder.id)
        } catch {
            self.logger.error("watch-folder record not saved", ["media.path": path, "error": String(describing: error)])
            self.recordError("record of '\(path)' not saved: \(error)")
        }
        runtime.records[path] = record
        switch record.outcome {
        case .analyzed: runtime.counters.filesAnalyzed += 1
        case .failed: runtime.counters.filesFailed += 1
        case .skipped, .known: runtime.counters.filesSkipped += 1
        }
        self.condition.withLock { self.processedThisSession += 1 }
    }
}
