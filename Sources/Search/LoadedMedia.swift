import AnalysisStore

/// One media's visual analysis as the index keeps it: the header, the vectors as a
/// contiguous row-major bfloat16 matrix and each frame's scene. Immutable once built, so
/// searches read it without holding the index lock.
final class LoadedMedia: Sendable {
    let cacheDirectory: CacheDirectory
    let header: VisualFileHeader
    /// `frameCount x dimension` matrix, row-major, as bfloat16 bit patterns.
    let vectors: [UInt16]
    /// Index into `header.sceneStarts` of each frame's scene.
    let sceneIndexOfFrame: [Int32]

    /// The path the media was last seen at: the manifest's latest path, which follows a file that
    /// was moved or analysed again under another name, unlike the path in the header.
    let sourcePath: String
    /// The version of the manifest `sourcePath` was read from; nil when there was none.
    let manifestIdentity: FileIdentity?

    init(
        cacheDirectory: CacheDirectory,
        header: VisualFileHeader,
        vectors: [Float],
        lastSeen: (path: String, manifestIdentity: FileIdentity)?
    ) {
        self.cacheDirectory = cacheDirectory
        self.header = header
        self.vectors = BFloat16.bitPatterns(of: vectors)
        self.sceneIndexOfFrame = Self.assignScenes(frameTimes: header.frameTimes, sceneStarts: header.sceneStarts)
        self.sourcePath = lastSeen?.path ?? header.sourcePath
        self.manifestIdentity = lastSeen?.manifestIdentity
    }

    /// Returns a copy that shares the vectors and reports the source path of a newer manifest.
    func updating(lastSeen: (path: String, manifestIdentity: FileIdentity)) -> LoadedMedia {
        LoadedMedia(copying: self, lastSeen: lastSeen)
    }

    private init(copying other: LoadedMedia, lastSeen: (path: String, manifestIdentity: FileIdentity)) {
        self.cacheDirectory = other.cacheDirectory
        self.header = other.header
        self.vectors = other.vectors
        self.sceneIndexOfFrame = other.sceneIndexOfFrame
        self.sourcePath = lastSeen.path
        self.manifestIdentity = lastSeen.manifestIdentity
    }

    var hashString: String { self.header.hashString }
    var modelKey: String { self.header.modelKey }
    var dimension: Int { self.header.dimension }
    var frameCount: Int { self.header.frameCount }

    /// Returns the start and end of a scene in seconds. The last scene ends at the duration.
    func sceneBounds(_ sceneIndex: Int) -> (start: Double, end: Double) {
        let starts = self.header.sceneStarts
        let start = starts[sceneIndex]
        let end = sceneIndex + 1 < starts.count ? starts[sceneIndex + 1] : max(start, self.header.duration)
        return (start, end)
    }

    var summary: LoadedMediaSummary {
        LoadedMediaSummary(
            hashString: self.hashString,
            sourcePath: self.sourcePath,
            modelKey: self.modelKey,
            dimension: self.dimension,
            frameCount: self.frameCount,
            sceneCount: self.header.sceneStarts.count,
            duration: self.header.duration
        )
    }

    /// Maps each frame to the scene `[sceneStarts[i], sceneStarts[i + 1])` that contains its time.
    /// Both lists are sorted, so one merge-like pass suffices.
    private static func assignScenes(frameTimes: [Double], sceneStarts: [Double]) -> [Int32] {
        var scene = 0
        return frameTimes.map { time in
            while scene + 1 < sceneStarts.count && sceneStarts[scene + 1] <= time {
                scene += 1
            }
            return Int32(scene)
        }
    }
}
