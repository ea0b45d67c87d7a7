/// A visual search request against the loaded analyses of one cache folder.
public struct VisualQuery: Sendable {
    /// The `cache_dir` whose loaded analyses are searched.
    public var cacheDirectoryPath: String
    /// Only media analysed with this model are compared; the others are skipped.
    public var modelKey: String
    /// L2-normalised query vector of the model's dimension.
    public var vector: [Float]
    /// L2-normalised vectors of concepts to push down softly; never a hard filter.
    public var excludeVectors: [[Float]]
    /// Weight `w` of the exclusion penalty (see `VisualSearchIndex.searchDetailed(_:)`).
    public var excludeWeight: Float
    /// Content hashes to search; nil searches every loaded media of the folder (`search_all`).
    public var hashStrings: [String]?
    /// Maximum number of matches returned.
    public var maxResults: Int
    /// Keeps only the best frame of each scene when true.
    public var perScene: Bool
    /// Drops matches whose final score is below this.
    public var minScore: Float?
    /// Frame indices allowed per content hash (a people filter); nil allows all frames, and
    /// a media absent from a non-nil map has no allowed frame.
    public var allowedFrames: [String: Set<Int>]?

    public init(
        cacheDirectoryPath: String,
        modelKey: String,
        vector: [Float],
        excludeVectors: [[Float]] = [],
        excludeWeight: Float = 1,
        hashStrings: [String]? = nil,
        maxResults: Int = 50,
        perScene: Bool = true,
        minScore: Float? = nil,
        allowedFrames: [String: Set<Int>]? = nil
    ) {
        self.cacheDirectoryPath = cacheDirectoryPath
        self.modelKey = modelKey
        self.vector = vector
        self.excludeVectors = excludeVectors
        self.excludeWeight = excludeWeight
        self.hashStrings = hashStrings
        self.maxResults = maxResults
        self.perScene = perScene
        self.minScore = minScore
        self.allowedFrames = allowedFrames
    }
}
