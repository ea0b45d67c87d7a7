import Analysis
import Foundation
import JumperCore

/// Watches folders for new and changed media files and analyses them through the task runner
/// with each folder's options.
///
/// One loop thread does all the work. It lists folders when inotify reports a change and every
/// `rescanSeconds` regardless. It follows new files until they settle, hashes them, skips
/// content it has already handled, and starts one task per batch of a folder's files. It
/// starts tasks only when the runner is idle and never cancels a task a client started. A
/// client's `/analyze` may cancel the service's task, and the unfinished files are queued again.
///
/// Thread-safety: every public method may be called from any thread.
public final class WatchFolderService: @unchecked Sendable {
    /// The service states of the contract's status.
    public enum State: String, Sendable {
        case stopped, running, stopping, paused, waiting
    }

    /// The store of the folders, the service state and the file records.
    public let store: WatchFolderStore
    let runner: TaskRunner
    let models: ModelRegistry
    let speech: SpeechModels
    let configuration: WatchServiceConfiguration
    let logger: Logger

    // `condition` protects every field in this group and wakes the loop.
    let condition = NSCondition()
    var state = State.stopped
    var shouldRun = false
    var foldersChanged = true
    var wakeRequested = false
    var lastError: String?
    var pausedUntil: Date?
    var processedThisSession = 0
    var snapshots: [Int64: FolderSnapshot] = [:]
    var currentFolder: String?
    var currentFile: String?
    var currentTaskID: String?
    var pendingCount = 0
    var settlingCount = 0
    var isLoopStarted = false
    var isShutDown = false

    // Owned by the loop thread.
    var runtimes: [Int64: FolderRuntime] = [:]
    var watcher: InotifyWatcher?
    var hasTriedWatcher = false
    var batch: RunningBatch?
    var nextFolderIndex = 0

    /// Creates a stopped service; `restoreState()` or `start()` starts it.
    public init(
        store: WatchFolderStore,
        runner: TaskRunner,
        models: ModelRegistry,
        speech: SpeechModels,
        configuration: WatchServiceConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.models = models
        self.speech = speech
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: - Control

    /// Starts the service if it was running when the server last stopped.
    public func restoreState() throws {
        if try self.store.isServiceEnabled() {
            self.logger.info("watch-folder service was running before the restart; starting it")
            try self.start()
        }
    }

    /// Starts the service and remembers that it runs, across restarts. Does nothing when it runs.
    public func start() throws {
        try self.store.setServiceEnabled(true)
        self.condition.withLock {
            if !self.shouldRun {
                self.shouldRun = true
                self.processedThisSession = 0
                self.lastError = nil
                self.pausedUntil = nil
                // A start during `stopping` takes over: the loop requeues what the cancel interrupted.
                self.state = .running
                self.logger.info(
                    "watch-folder service started",
                    [
                        "settle.seconds": String(self.configuration.settleSeconds),
                        "rescan.seconds": String(self.configuration.rescanSeconds),
                    ]
                )
            }
            self.wakeLocked()
        }
        self.startLoopIfNeeded()
    }

    /// Stops the service and remembers that it is stopped, across restarts. A task of the
    /// service is cancelled (its finished files keep their analysis); a client's task is not.
    public func stop() throws {
        try self.store.setServiceEnabled(false)
        self.condition.withLock {
            guard self.shouldRun else { return }
            self.shouldRun = false
            if self.state != .stopped {
                self.state = .stopping
            }
            self.logger.info("watch-folder service stopping")
            self.wakeLocked()
        }
    }

    /// Tells the service that watch folders were added, changed or deleted.
    public func reloadFolders() {
        self.condition.withLock {
            self.foldersChanged = true
            self.wakeLocked()
        }
    }

    /// Stops the loop thread for good without changing the remembered state, as the server exits.
    public func shutDown() {
        self.condition.withLock {
            self.isShutDown = true
            self.wakeLocked()
        }
    }

    func wakeLocked() {
        self.wakeRequested = true
        self.condition.broadcast()
    }

    private func startLoopIfNeeded() {
        let shouldStart: Bool = self.condition.withLock {
            guard !self.isLoopStarted else { return false }
            self.isLoopStarted = true
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "watch-folders"
        thread.start()
    }

    // MARK: - Loop

    private func runLoop() {
        while true {
            let (run, shutDown) = self.condition.withLock { (self.shouldRun, self.isShutDown) }
            if shutDown {
                self.watcher?.stop()
                return
            }
            if run {
                self.tick()
            } else {
                self.tickStopping()
            }
            self.waitForNextTick()
        }
    }

    /// Sleeps one tick, or until a change, a control call or inotify wakes the loop. A stopped
    /// service sleeps until it is started.
    private func waitForNextTick() {
        self.condition.withLock {
            let deadline = Date().addingTimeInterval(self.configuration.tickSeconds)
            while !self.wakeRequested && !self.isShutDown {
                if self.state == .stopped {
                    self.condition.wait()
                } else if !self.condition.wait(until: deadline) {
                    break
                }
            }
            self.wakeRequested = false
        }
    }

    /// Runs one pass of a running service: folders, scans, settled files, tasks, status.
    private func tick() {
        let now = ProcessInfo.processInfo.systemUptime
        if !self.hasTriedWatcher {
            self.hasTriedWatcher = true
            self.openWatcher()
        }
        if self.condition.withLock({ () -> Bool in
            defer { self.foldersChanged = false }
            return self.foldersChanged
        }) {
            self.loadFolders()
        }
        self.applyInotifyChanges()
        for runtime in self.runtimes.values.sorted(by: { $0.folder.id < $1.folder.id }) {
            self.refresh(runtime, now: now)
        }
        self.checkBatch()
        self.startBatchIfPossible()
        self.publishStatus()
    }

    /// Waits for the service's own task to end after a stop, then drops what the service tracked.
    private func tickStopping() {
        if let batch = self.batch {
            _ = self.runner.cancel(taskID: batch.taskID)
            self.checkBatch()
            if self.batch != nil {
                self.publishStatus()
                return
            }
        }
        let wasStopping = self.condition.withLock { self.state != .stopped }
        guard wasStopping else { return }
        for runtime in self.runtimes.values {
            self.watcher?.unwatch(root: runtime.folder.path)
        }
        self.runtimes = [:]
        let isStopped: Bool = self.condition.withLock {
            self.foldersChanged = true
            // A start that arrived during the cleanup wins; the next tick loads the folders again.
            guard !self.shouldRun else { return false }
            self.state = .stopped
            self.snapshots = [:]
            self.currentFolder = nil
            self.currentFile = nil
            self.currentTaskID = nil
            self.pendingCount = 0
            self.settlingCount = 0
            self.pausedUntil = nil
            return true
        }
        if isStopped {
            self.logger.info("watch-folder service stopped")
        }
    }

    private func openWatcher() {
        do {
            self.watcher = try InotifyWatcher(
                maximumWatches: self.configuration.maximumInotifyWatches,
                logger: self.logger
            ) { [weak self] in
                guard let self else { return }
                self.condition.withLock { self.wakeLocked() }
            }
        } catch {
            // Without inotify every folder is still found by periodic rescans.
            self.logger.warning("inotify unavailable; watch folders rely on rescans", ["error": String(describing: error)])
            self.recordError(String(describing: error))
        }
    }

    /// Stores an error for `last_error` and logs it.
    func recordError(_ message: String) {
        self.condition.withLock { self.lastError = message }
    }
}
