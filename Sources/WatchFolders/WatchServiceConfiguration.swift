/// The tunables of the watch-folder service. `jumper serve` reads them from environment
/// variables, named on each property.
public struct WatchServiceConfiguration: Sendable {
    /// `JUMPER_WATCH_SETTLE_SECONDS`: how long a file's size and modification time must stay
    /// the same before it is analysed.
    public var settleSeconds: Double = 5
    /// `JUMPER_WATCH_RESCAN_SECONDS`: how often every folder is listed again, which is how
    /// changes on network shares (no inotify events) are found.
    public var rescanSeconds: Double = 60
    /// `JUMPER_WATCH_BATCH_SIZE`: the maximum number of files of one folder in one analysis task.
    /// Models load once per task, so batches are cheaper than single files.
    public var batchSize = 50
    /// `JUMPER_WATCH_MAX_INOTIFY_WATCHES`: a cap on the service's inotify watches below the
    /// kernel's `fs.inotify.max_user_watches`; folders beyond it rely on rescans alone.
    public var maximumInotifyWatches: Int?
    /// `JUMPER_WATCH_PAUSE_SECONDS`: how long a folder's queue waits after an error that would
    /// fail every file (a model that is not installed) before the service tries again.
    public var pauseSeconds: Double = 60

    public init() {}

    /// Reads the settings named on each property from `environment`; unset ones keep their defaults.
    ///
    /// - Throws: `WatchFolderError.invalidSetting` naming the variable and its value.
    public init(environment: [String: String]) throws(WatchFolderError) {
        self.init()
        if let text = environment["JUMPER_WATCH_SETTLE_SECONDS"] {
            self.settleSeconds = try Self.number(text, name: "JUMPER_WATCH_SETTLE_SECONDS", range: 0...3600)
        }
        if let text = environment["JUMPER_WATCH_RESCAN_SECONDS"] {
            self.rescanSeconds = try Self.number(text, name: "JUMPER_WATCH_RESCAN_SECONDS", range: 0.1...86_400)
        }
        if let text = environment["JUMPER_WATCH_BATCH_SIZE"] {
            self.batchSize = Int(try Self.number(text, name: "JUMPER_WATCH_BATCH_SIZE", range: 1...10_000))
        }
        if let text = environment["JUMPER_WATCH_PAUSE_SECONDS"] {
            self.pauseSeconds = try Self.number(text, name: "JUMPER_WATCH_PAUSE_SECONDS", range: 0...86_400)
        }
        if let text = environment["JUMPER_WATCH_MAX_INOTIFY_WATCHES"] {
            self.maximumInotifyWatches = Int(try Self.number(text, name: "JUMPER_WATCH_MAX_INOTIFY_WATCHES", range: 0...100_000_000))
        }
    }

    /// The interval of the service loop in seconds: a quarter of the settle period, clamped to
    /// 0.1-1 s. inotify events and API calls wake the loop sooner.
    var tickSeconds: Double {
        min(1, max(0.1, self.settleSeconds / 4))
    }

    private static func number(_ text: String, name: String, range: ClosedRange<Double>) throws(WatchFolderError) -> Double {
        guard let value = Double(text), range.contains(value) else {
            throw WatchFolderError.invalidSetting(
                name: name,
                value: text,
                expected: "a number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return value
    }
}
