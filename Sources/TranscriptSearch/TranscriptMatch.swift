import JumperCore

/// One transcript segment that matches a search, in the shape of the contract's transcript match.
public struct TranscriptMatch: Sendable, Equatable {
    public var videoPath: String
    public var hashString: String
    public var segmentIndex: Int
    /// Segment start in seconds from the start of the file.
    public var start: Double
    /// Segment end in seconds from the start of the file.
    public var end: Double
    public var text: String
    /// Matched spans of `text` as `[from, to)` offsets counted in Unicode scalars (code points).
    public var highlights: [[Int]]
    /// bm25 relevance score; lower is more relevant, as SQLite FTS5 reports it.
    public var score: Double

    public init(videoPath: String, hashString: String, segmentIndex: Int, start: Double, end: Double, text: String, highlights: [[Int]], score: Double) {
        self.videoPath = videoPath
        self.hashString = hashString
        self.segmentIndex = segmentIndex
        self.start = start
        self.end = end
        self.text = text
        self.highlights = highlights
        self.score = score
    }

    /// Returns the contract's match object: `video_path`, `hash_str`, `segment_index`, `start`, `end`,
    /// `start_timestamp`, `end_timestamp`, `text`, `highlights`.
    public func json() -> JSON {
        [
            "video_path": .string(self.videoPath),
            "hash_str": .string(self.hashString),
            "segment_index": .number(Double(self.segmentIndex)),
            "start": .number(self.start),
            "end": .number(self.end),
            "start_timestamp": .string(formatTimestamp(self.start)),
            "end_timestamp": .string(formatTimestamp(self.end)),
            "text": .string(self.text),
            "highlights": .array(self.highlights.map { .array($0.map { .number(Double($0)) }) }),
        ]
    }
}
