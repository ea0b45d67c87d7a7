/// Formats seconds as the contract's `HH:MM:SS.mmm` timestamp (rounded to milliseconds).
public func formatTimestamp(_ seconds: Double) -> String {
    let totalMilliseconds = Int((max(0, seconds) * 1000).rounded())
    let hours = totalMilliseconds / 3_600_000
    let minutes = totalMilliseconds / 60_000 % 60
    let wholeSeconds = totalMilliseconds / 1000 % 60
    let milliseconds = totalMilliseconds % 1000
    return pad(hours, 2) + ":" + pad(minutes, 2) + ":" + pad(wholeSeconds, 2) + "." + pad(milliseconds, 3)
}

/// Parses `HH:MM:SS`, `HH:MM:SS.mmm`, `MM:SS` or a plain number of seconds; nil when invalid.
public func parseTimestamp(_ text: String) -> Double? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard (1...3).contains(parts.count) else { return nil }
    var seconds = 0.0
    for (index, part) in parts.enumerated() {
        guard let value = Double(part), value >= 0, value.isFinite else { return nil }
        let isLast = index == parts.count - 1
        if !isLast && value.rounded() != value { return nil }
        seconds = seconds * 60 + value
    }
    return seconds
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
