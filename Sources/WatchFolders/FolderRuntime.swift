import Foundation

/// The running service's state of one enabled watch folder. Only the service's loop thread
/// uses it, and other threads read a `FolderSnapshot` copy.
final class FolderRuntime {
    /// A settled file waiting for analysis.
    struct QueuedFile {
        var path: String
        var signature: FileSignature
        var hashString: String
    }

    var folder: WatchFolder
    var filter: FileFilter
    /// The stored record of each handled file, by path.
    var records: [String: FileRecord]
    /// Taken files found by the last scan.
    var present: [String: FileSignature] = [:]
    var tracker: SettleTracker
    var queue: [QueuedFile] = []
    /// Settled files whose content is in the running task under another path, as after a rename
    /// during analysis. They are checked again when that task ends.
    var deferred: [QueuedFile] = []
    /// The reason the folder cannot be listed now, or nil while it is available.
    var unavailableReason: String?
    var needsScan = true
    /// Monotonic time of the last scan, in seconds.
    var lastScanUptime: Double?
    var lastScanDate: Date?
    var coverage: InotifyWatcher.Coverage?
    var counters: FolderCounters
    var lastError: String?
    /// True while the folder's `cache_dir` is missing, so its queue waits.
    var isCacheMissing = false
    /// Until when the folder's queue waits after an error that would fail every file (a model
    /// that is not installed).
    var heldUntil: Date?

    init(folder: WatchFolder, records: [String: FileRecord], counters: FolderCounters, settleSeconds: Double) {
        self.folder = folder
        self.filter = FileFilter(folder: folder)
        self.records = records
        self.counters = counters
        self.tracker = SettleTracker(settleSeconds: settleSeconds)
    }

    /// Returns whether `other` watches the same files with the same rules, so what was found
    /// so far stays valid.
    func hasSameScope(as other: WatchFolder) -> Bool {
        self.folder.path == other.path && self.folder.recursive == other.recursive
            && self.folder.excludedExtensions == other.excludedExtensions
            && self.folder.excludedFilenameGlobs == other.excludedFilenameGlobs
            && self.folder.cacheDirectory == other.cacheDirectory
    }

    /// Returns whether `path` is this folder's root or lies below it.
    func contains(directory path: String) -> Bool {
        path == self.folder.path || path.hasPrefix(self.folder.path == "/" ? "/" : self.folder.path + "/")
    }

    func snapshot() -> FolderSnapshot {
        FolderSnapshot(
            filesSeen: self.present.count,
            filesSettling: self.tracker.count,
            filesQueued: self.queue.count + self.deferred.count,
            lastScan: self.lastScanDate,
            isAvailable: self.unavailableReason == nil,
            pausedUntil: self.heldUntil.flatMap { $0 > Date() ? $0 : nil },
            watchMode: self.coverage == .complete ? "inotify" : "rescan",
            lastError: self.lastError
        )
    }
}

/// The part of a folder's status that only the running service has.
struct FolderSnapshot: Sendable {
    var filesSeen: Int
    var filesSettling: Int
    var filesQueued: Int
    var lastScan: Date?
    var isAvailable: Bool
    /// Set while the folder's queue waits after an error that would fail every file.
    var pausedUntil: Date?
    /// `inotify` when every subfolder has a watch, `rescan` when changes are found by rescans alone.
    var watchMode: String
    var lastError: String?
}
