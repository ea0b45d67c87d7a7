/// One media's visual analysis held in memory by the index.
public struct LoadedMediaSummary: Sendable, Equatable {
    public let hashString: String
    public let sourcePath: String
    public let modelKey: String
    public let dimension: Int
    public let frameCount: Int
    public let sceneCount: Int
    /// Duration in seconds.
    public let duration: Double
}

/// A visual analysis that could not be loaded, with the error message that names its file.
public struct LoadFailure: Sendable, Equatable {
    public let hashString: String
    public let message: String
}

/// The outcome of a load call.
public struct LoadSummary: Sendable {
    /// Requested media now in memory, newly loaded or unchanged, sorted by hash.
    public var loaded: [LoadedMediaSummary] = []
    /// Media read from disk by this call.
    public var newlyLoadedCount = 0
    /// Media already in memory whose file had not changed.
    public var unchangedCount = 0
    /// Requested hashes that have no visual analysis file.
    public var missingHashStrings: [String] = []
    /// Analyses that failed to load, such as damaged files.
    public var failures: [LoadFailure] = []
    /// Media dropped from memory by `loadAll` because their file disappeared.
    public var removedCount = 0

    /// Number of frames of the media in `loaded`.
    public var frameCount: Int {
        self.loaded.reduce(0) { $0 + $1.frameCount }
    }
}
