/// A SMPTE timecode `HH:MM:SS:FF` (non-drop-frame) or `HH:MM:SS;FF` (drop-frame), as
/// cameras store a clip's start in the `timecode` tag.
public struct Timecode: Sendable, Equatable {
    public let hours: Int
    public let minutes: Int
    public let seconds: Int
    public let frames: Int
    /// True for drop-frame timecode, written with `;` (or `.`) before the frames.
    public let dropFrame: Bool

    /// Parses `HH:MM:SS:FF`, `HH:MM:SS;FF` or `HH:MM:SS.FF`, or returns nil when a field is
    /// not a number or out of range (minutes and seconds above 59).
    public init?(_ text: String) {
        let separators: Set<Character> = [":", ";", "."]
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
        guard parts.count == 4,
            let hours = Int(parts[0]), let minutes = Int(parts[1]),
            let seconds = Int(parts[2]), let frames = Int(parts[3]),
            hours >= 0, (0..<60).contains(minutes), (0..<60).contains(seconds), frames >= 0
        else { return nil }
        guard let lastSeparator = text.last(where: { separators.contains($0) }) else { return nil }
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
        self.frames = frames
        self.dropFrame = lastSeparator != ":"
    }

    /// Creates the timecode of frame `frameNumber` counted from 00:00:00:00 at `timebase`
    /// frames per timecode second; hours wrap at 24. The inverse of `frameNumber(timebase:)`.
    public init(frameNumber: Int, timebase: Int, dropFrame: Bool) {
        let base = max(1, timebase)
        var frame = max(0, frameNumber)
        let isDropFrame = dropFrame && base % 30 == 0
        if isDropFrame {
            // Put back the frame numbers skipped so far: per full ten minutes 9 x dropped, then per minute.
            let dropped = 2 * (base / 30)
            let framesPerMinute = base * 60 - dropped
            let framesPerTenMinutes = base * 600 - dropped * 9
            let tens = frame / framesPerTenMinutes
            let rest = frame % framesPerTenMinutes
            frame += dropped * 9 * tens
            if rest > dropped {
                frame += dropped * ((rest - dropped) / framesPerMinute)
            }
        }
        self.hours = frame / (base * 3600) % 24
        self.minutes = frame / (base * 60) % 60
        self.seconds = frame / base % 60
        self.frames = frame % base
        self.dropFrame = isDropFrame
    }

    /// Returns the frame count since 00:00:00:00 at `timebase` frames per timecode second.
    ///
    /// Drop-frame timecode skips frame numbers 0 and 1 (for timebase 30; 0 to 3 for 60) at the
    /// start of every minute except each tenth, as SMPTE 12M defines it for 29.97 and 59.94.
    public func frameNumber(timebase: Int) -> Int {
        let totalMinutes = self.hours * 60 + self.minutes
        let nominal = (totalMinutes * 60 + self.seconds) * timebase + self.frames
        guard self.dropFrame, timebase % 30 == 0 else { return nominal }
        let dropped = 2 * (timebase / 30)
        return nominal - dropped * (totalMinutes - totalMinutes / 10)
    }

    /// The timecode as text, `;` before the frames when drop-frame.
    public var text: String {
        func padded(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let separator = self.dropFrame ? ";" : ":"
        return "\(padded(self.hours)):\(padded(self.minutes)):\(padded(self.seconds))\(separator)\(padded(self.frames))"
    }
}
