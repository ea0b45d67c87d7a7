/// One frame found by a visual search.
public struct VisualMatch: Sendable {
    public let hashString: String
    /// The media path recorded when the analysis was written.
    public let sourcePath: String
    /// Frame number; for video, frame N is at N seconds.
    public let frameIndex: Int
    public let timeSeconds: Double
    /// Start of the frame's scene in seconds.
    public let sceneStart: Double
    /// End of the frame's scene in seconds: the next scene's start or the media duration.
    public let sceneEnd: Double
    /// Final score: the cosine similarity minus the exclusion penalty.
    public let score: Float
    /// Position (from 0) of this match in the ranking by plain cosine similarity, before
    /// the exclusion penalty and the allowed-frames filter re-ranked it.
    public let originalIndex: Int
    /// JPEG bytes of the frame's thumbnail; empty when the analysis has none.
    public let thumbnail: [UInt8]

    public init(
        hashString: String,
        sourcePath: String,
        frameIndex: Int,
        timeSeconds: Double,
        sceneStart: Double,
        sceneEnd: Double,
        score: Float,
        originalIndex: Int,
        thumbnail: [UInt8]
    ) {
        self.hashString = hashString
        self.sourcePath = sourcePath
        self.frameIndex = frameIndex
        self.timeSeconds = timeSeconds
        self.sceneStart = sceneStart
        self.sceneEnd = sceneEnd
        self.score = score
        self.originalIndex = originalIndex
        self.thumbnail = thumbnail
    }
}

/// The matches of a search with what was searched and what was left out.
public struct VisualSearchResult: Sendable {
    /// Matches, best first.
    public var matches: [VisualMatch]
    /// Number of media compared with the query.
    public var searchedMediaCount: Int
    /// Number of frames compared with the query.
    public var searchedFrameCount: Int
    /// Media in scope that were analysed with another model, so were not compared.
    public var skippedMedia: [(hashString: String, modelKey: String)]
    /// Hashes in the query's scope that are not loaded.
    public var notLoadedHashStrings: [String]
}
