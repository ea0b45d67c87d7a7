/// Tracks files that are new or changed until their size and modification time have stayed
/// the same for a settle period, so a file still being written is never taken.
///
/// A plain value with no clock of its own: callers pass the time of each observation in
/// seconds (any monotonic origin), which keeps it testable without sleeping.
public struct SettleTracker: Sendable {
    /// How long a file's signature must stay the same, in seconds.
    public let settleSeconds: Double

    private struct Entry {
        var signature: FileSignature
        /// When the current signature was first observed.
        var unchangedSince: Double
    }

    private var entries: [String: Entry] = [:]

    public init(settleSeconds: Double) {
        self.settleSeconds = settleSeconds
    }

    /// Paths being tracked, in no particular order.
    public var paths: [String] { Array(self.entries.keys) }

    public var count: Int { self.entries.count }

    public func contains(_ path: String) -> Bool {
        self.entries[path] != nil
    }

    /// Records an observation of `path`. A changed signature restarts the settle period.
    public mutating func observe(path: String, signature: FileSignature, now: Double) {
        if let entry = self.entries[path], entry.signature == signature {
            return
        }
        self.entries[path] = Entry(signature: signature, unchangedSince: now)
    }

    /// Forgets a path, as when its file is gone or excluded.
    public mutating func remove(path: String) {
        self.entries.removeValue(forKey: path)
    }

    /// Removes every path for which `shouldRemove` returns true.
    public mutating func removeAll(where shouldRemove: (String) -> Bool) {
        for path in self.entries.keys where shouldRemove(path) {
            self.entries.removeValue(forKey: path)
        }
    }

    /// Removes and returns the files whose signature has stayed the same for the settle period.
    ///
    /// - Parameters:
    ///   - now: the observation clock, in seconds.
    ///   - wallClockSeconds: the current time in seconds since 1970. A file modified less than
    ///     the settle period ago by this clock is not taken either, which catches a rewrite that
    ///     kept the size within the file system's timestamp granularity. A modification time in
    ///     the future (a share with a skewed clock) is ignored instead of blocking the file.
    public mutating func takeSettled(now: Double, wallClockSeconds: Double) -> [(path: String, signature: FileSignature)] {
        var settled: [(path: String, signature: FileSignature)] = []
        for (path, entry) in self.entries where now - entry.unchangedSince >= self.settleSeconds {
            let modified = entry.signature.modifiedSeconds
            if modified <= wallClockSeconds && wallClockSeconds - modified < self.settleSeconds {
                continue
            }
            settled.append((path, entry.signature))
        }
        for file in settled {
            self.entries.removeValue(forKey: file.path)
        }
        return settled.sorted { $0.path < $1.path }
    }
}
