import Foundation

/// A log severity, ordered from the most verbose to the most severe.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The lower-case name used on the command line and in log lines.
    public var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    /// Parses a level name such as `info`; returns nil for an unknown name.
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else {
            return nil
        }
        self = level
    }
}

/// One emitted log line before formatting, as a sink receives it.
public struct LogRecord: Sendable {
    public let date: Date
    public let level: LogLevel
    public let label: String
    public let message: String
    public let metadata: [String: String]
}

/// A destination for log records. Implementations must be safe to call from any thread.
public protocol LogSink: Sendable {
    func write(_ record: LogRecord)
}

/// A value-type logger: a label, a minimum level and metadata that rides along on every line.
///
/// Messages are constant strings; the data goes into metadata with dotted lower-case keys
/// (`task.id`, `media.path`). Never put a license key into either.
public struct Logger: Sendable {
    public let label: String
    public var minimumLevel: LogLevel
    public private(set) var metadata: [String: String]
    private let sink: any LogSink

    public init(
        label: String,
        minimumLevel: LogLevel = .info,
        sink: any LogSink = StandardErrorSink.shared
    ) {
        self.label = label
        self.minimumLevel = minimumLevel
        self.metadata = [:]
        self.sink = sink
    }

    /// Returns a copy of this logger that adds `key=value` to every line.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata[key] = value
        return copy
    }

    /// Returns a copy of this logger with another label and the same metadata.
    public func labelled(_ label: String) -> Logger {
        var copy = Logger(label: label, minimumLevel: self.minimumLevel, sink: self.sink)
        copy.metadata = self.metadata
        return copy
    }

    public func log(
        _ level: LogLevel,
        _ message: @autoclosure () -> String,
        _ metadata: @autoclosure () -> [String: String] = [:]
    ) {
        guard level >= self.minimumLevel else { return }
        let merged = self.metadata.merging(metadata()) { _, new in new }
        let record = LogRecord(
            date: Date(),
            level: level,
            label: self.label,
            message: message(),
            metadata: merged
        )
        self.sink.write(record)
    }

    public func trace(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.trace, message(), metadata())
    }

    public func debug(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.debug, message(), metadata())
    }

    public func info(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.info, message(), metadata())
    }

    public func notice(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.notice, message(), metadata())
    }

    public func warning(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.warning, message(), metadata())
    }

    public func error(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.error, message(), metadata())
    }

    public func critical(_ message: @autoclosure () -> String, _ metadata: @autoclosure () -> [String: String] = [:]) {
        self.log(.critical, message(), metadata())
    }
}
