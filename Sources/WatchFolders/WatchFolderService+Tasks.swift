import Analysis
import Foundation

/// A task the service started: its id, the folder and the files it analyses.
struct RunningBatch {
    var taskID: String
    var folderID: Int64
    var folderPath: String
    var files: [String: FolderRuntime.QueuedFile]
}

extension WatchFolderService {
    /// Starts a task for the next folder with queued files, when the runner is idle and the
    /// service is not paused. A client's task makes the service wait instead.
    func startBatchIfPossible() {
        guard self.batch == nil else { return }
        let now = Date()
        let candidates = self.runtimes.values
            .filter { !$0.queue.isEmpty && ($0.heldUntil ?? now) <= now && self.isCacheAvailable(for: $0) }
            .sorted { $0.folder.id < $1.folder.id }
        guard !candidates.isEmpty, !self.runner.isBusy else { return }
        // Folders take turns, so one busy folder cannot starve the others.
        let runtime = candidates[self.nextFolderIndex % candidates.count]
        self.nextFolderIndex += 1
        let folder = runtime.folder

        let request: AnalysisRequest
        do {
            request = try self.makeRequest(folder: folder, paths: runtime.queue.prefix(self.configuration.batchSize).map(\.path))
        } catch {
            // Every file would fail the same way, so the folder waits and tries again later.
            let message = "watch folder \(folder.id) cannot be analysed: \(error)"
            self.logger.error(
                "watch-folder analysis not started, folder paused",
                ["folder.id": String(folder.id), "error": String(describing: error), "pause.seconds": String(self.configuration.pauseSeconds)]
            )
            runtime.lastError = message
            runtime.heldUntil = now.addingTimeInterval(self.configuration.pauseSeconds)
            self.recordError(message)
            return
        }
        guard let taskID = self.runner.startIfIdle(request) else { return }
        if runtime.heldUntil != nil {
            runtime.heldUntil = nil
            runtime.lastError = nil
        }

        let batchFiles = runtime.queue.prefix(self.configuration.batchSize)
        runtime.queue.removeFirst(batchFiles.count)
        self.batch = RunningBatch(
            taskID: taskID,
            folderID: folder.id,
            folderPath: folder.path,
            files: Dictionary(batchFiles.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        )
        self.condition.withLock {
            self.currentTaskID = taskID
            self.currentFolder = folder.path
        }
        self.logger.info(
            "watch-folder analysis started",
            ["task.id": taskID, "folder.id": String(folder.id), "files": String(batchFiles.count)]
        )
    }

    /// Returns whether the folder's `cache_dir` exists. While it is missing (an offline share),
    /// the folder's queue waits instead of failing every file, and the task runner does not
    /// create the folder on the local disk under the share's mount point.
    private func isCacheAvailable(for runtime: FolderRuntime) -> Bool {
        var isFolder: ObjCBool = false
        let path = runtime.folder.cacheDirectory
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            if runtime.isCacheMissing {
                runtime.isCacheMissing = false
                runtime.lastError = nil
                self.logger.info("cache_dir available again", ["folder.id": String(runtime.folder.id), "cache.dir": path])
            }
            return true
        }
        if !runtime.isCacheMissing {
            runtime.isCacheMissing = true
            let message = "cache_dir '\(path)' of watch folder \(runtime.folder.id) is not available; its files wait until it returns"
            runtime.lastError = message
            self.recordError(message)
            self.logger.warning("cache_dir unavailable, analysis waits", ["folder.id": String(runtime.folder.id), "cache.dir": path])
        }
        return false
    }

    /// Builds the analysis request of a folder's options, resolving model aliases.
    ///
    /// - Throws: `ModelError` when a model key is unknown or a needed model is not installed.
    private func makeRequest(folder: WatchFolder, paths: [String]) throws -> AnalysisRequest {
        let visualKey = try self.models.resolveVisualKey(folder.visualModel)
        if folder.visual && !self.models.isDownloaded(key: visualKey) {
            throw ModelError.notInstalled(key: visualKey, folder: self.models.folder(forKey: visualKey))
        }
        let speechKey = try self.speech.resolveKey(folder.speechModel)
        if folder.speech && !self.speech.isDownloaded(key: speechKey) {
            throw ModelError.notInstalled(key: speechKey, folder: self.speech.modelsDirectory + "/" + speechKey)
        }
        return AnalysisRequest(
            mediaPaths: paths,
            cacheDirectory: folder.cacheDirectory,
            visual: folder.visual,
            speech: folder.speech,
            faces: folder.faces,
            clusterJobName: folder.clusterJobName,
            visualModelKey: visualKey,
            speechModelKey: speechKey,
            language: folder.language
        )
    }

    /// Records the outcome of the service's task once it has ended. Files the task did not
    /// finish (cancelled by a client's `/analyze` or by `stop`) are queued again.
    func checkBatch() {
        guard let batch = self.batch else { return }
        guard let final = self.runner.finalEvent(taskID: batch.taskID) else {
            let progress = self.runner.progress(taskID: batch.taskID)
            self.condition.withLock {
                self.currentTaskID = batch.taskID
                self.currentFolder = batch.folderPath
                self.currentFile = progress?.mediaPath
            }
            return
        }
        self.batch = nil
        self.condition.withLock {
            self.currentTaskID = nil
            self.currentFolder = nil
            self.currentFile = nil
        }

        let results = Dictionary((final.results ?? []).map { ($0.mediaPath, $0) }, uniquingKeysWith: { first, _ in first })
        guard let runtime = self.runtimes[batch.folderID] else { return }
        var requeued: [FolderRuntime.QueuedFile] = []
        for (path, file) in batch.files.sorted(by: { $0.key < $1.key }) {
            guard let result = results[path] else {
                requeued.append(file)
                continue
            }
            let hashString = result.hashString ?? file.hashString
            switch result.status {
            case .completed:
                self.finish(path: path, record: FileRecord(signature: file.signature, hashString: hashString, outcome: .analyzed), runtime: runtime)
            case .skipped:
                self.finish(path: path, record: FileRecord(signature: file.signature, hashString: hashString, outcome: .skipped), runtime: runtime)
            case .failed:
                runtime.lastError = "'\(path)': \(result.error ?? "analysis failed")"
                self.recordError(runtime.lastError ?? "")
                self.finish(path: path, record: FileRecord(signature: file.signature, hashString: hashString, outcome: .failed), runtime: runtime)
            case .cancelled:
                requeued.append(file)
            }
        }
        runtime.queue.insert(contentsOf: requeued, at: 0)
        let deferred = runtime.deferred
        runtime.deferred = []
        for file in deferred {
            self.queueUnlessKnown(file, runtime: runtime, now: ProcessInfo.processInfo.systemUptime)
        }
        self.logger.info(
            "watch-folder analysis ended",
            ["task.id": batch.taskID, "task.status": final.status.rawValue, "files.requeued": String(requeued.count)]
        )
    }
}
