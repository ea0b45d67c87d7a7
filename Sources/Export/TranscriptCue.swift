import Foundation
import Speech

/// One line of an exported transcript: a segment's text with its times in whole milliseconds.
public struct TranscriptCue: Sendable, Equatable {
    public var startMilliseconds: Int
    public var endMilliseconds: Int
    public var text: String

    public init(startMilliseconds: Int, endMilliseconds: Int, text: String) {
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
        self.text = text
    }

    /// Builds the cues of a transcript in time order, so every exported format has starts that
    /// never go back and ends after starts.
    ///
    /// Segments with only white space are dropped and line breaks inside a segment become
    /// spaces. A start earlier than the previous start is moved up to it. An end at or before
    /// its start becomes start + 1 ms, and an end past the next start is cut back to that
    /// start, so cues never overlap.
    public static func cues(from transcript: Transcript) -> [TranscriptCue] {
        let segments = transcript.segments.enumerated().sorted { left, right in
            left.element.start == right.element.start
                ? left.offset < right.offset : left.element.start < right.element.start
        }
        var cues: [TranscriptCue] = []
        for (_, segment) in segments {
            let text = Self.singleLine(segment.text)
            guard !text.isEmpty else { continue }
            let previousStart = cues.last?.startMilliseconds ?? 0
            let start = max(previousStart, Self.milliseconds(segment.start))
            let end = max(start + 1, Self.milliseconds(segment.end))
            cues.append(TranscriptCue(startMilliseconds: start, endMilliseconds: end, text: text))
        }
        // Cut each end back to the next start unless that would leave the cue empty.
        for index in cues.indices.dropLast() {
            let nextStart = cues[index + 1].startMilliseconds
            if cues[index].endMilliseconds > nextStart && nextStart > cues[index].startMilliseconds {
                cues[index].endMilliseconds = nextStart
            }
        }
        return cues
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int((seconds * 1000).rounded())
    }

    /// Joins the lines of `text` with single spaces and trims it.
    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
