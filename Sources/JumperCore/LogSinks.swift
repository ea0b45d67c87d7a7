import Foundation

/// Formats a record as one line: UTC time, level, label, message, then sorted `key=value` pairs.
public func formatLogLine(_ record: LogRecord) -> String {
    var line = "\(formatUTCTimestamp(record.date)) \(record.level.name) \(record.label): \(record.message)"
    for key in record.metadata.keys.sorted() {
        line += " \(key)=\(quoteLogValue(record.metadata[key] ?? ""))"
    }
    return line
}

/// Quotes a metadata value when it contains spaces, quotes, `=` or control characters.
func quoteLogValue(_ value: String) -> String {
    let needsQuotes = value.isEmpty || value.contains { character in
        character == " " || character == "\"" || character == "=" || character.isNewline
    }
    guard needsQuotes else { return value }
    var escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
    escaped = escaped.replacingOccurrences(of: "\"", with: "\\\"")
    escaped = escaped.replacingOccurrences(of: "\n", with: "\\n")
    return "\"\(escaped)\""
}

private func formatUTCTimestamp(_ date: Date) -> String {
    let seconds = date.timeIntervalSince1970
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    let milliseconds = Int((seconds - Double(time)) * 1000)
    // Built by hand, not with String(format:): civetweb worker threads log too, and their
    // stacks are too small for Foundation's formatter.
    let day = "\(Int(parts.tm_year) + 1900)-\(twoDigits(parts.tm_mon + 1))-\(twoDigits(parts.tm_mday))"
    let clock = "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec))"
    var fraction = String(milliseconds)
    while fraction.count < 3 {
        fraction = "0" + fraction
    }
    return "\(day)T\(clock).\(fraction)Z"
}

private func twoDigits(_ value: Int32) -> String {
    value < 10 ? "0\(value)" : "\(value)"
}

/// Writes each record as one line to standard error, serialised by a lock.
public final class StandardErrorSink: LogSink, @unchecked Sendable {
    public static let shared = StandardErrorSink()
    // The lock keeps lines from different threads from interleaving.
    private let lock = NSLock()

    public func write(_ record: LogRecord) {
        let line = formatLogLine(record) + "\n"
        self.lock.lock()
        defer { self.lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// Keeps records in memory so tests can assert on level, message and metadata.
public final class MemoryLogSink: LogSink, @unchecked Sendable {
    // The lock protects `storedRecords`.
    private let lock = NSLock()
    private var storedRecords: [LogRecord] = []

    public init() {}

    public func write(_ record: LogRecord) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.storedRecords.append(record)
    }

    public var records: [LogRecord] {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.storedRecords
    }
}
