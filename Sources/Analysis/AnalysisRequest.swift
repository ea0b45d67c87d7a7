/// One `/analyze` task: which files, where the analysis goes, and which analyses to run.
public struct AnalysisRequest: Sendable {
    /// Absolute paths of files or folders; folders are expanded to the media files inside.
    public var mediaPaths: [String]
    public var cacheDirectory: String
    public var visual: Bool
    public var speech: Bool
    public var faces: Bool
    public var clusterJobName: String
    /// The resolved visual model key (aliases already mapped).
    public var visualModelKey: String
    public var speechModelKey: String?
    public var language: String
    public var force: Bool

    public init(
        mediaPaths: [String],
        cacheDirectory: String,
        visual: Bool = true,
        speech: Bool = true,
        faces: Bool = false,
        clusterJobName: String = "default",
        visualModelKey: String,
        speechModelKey: String? = nil,
        language: String = "auto",
        force: Bool = false
    ) {
        self.mediaPaths = mediaPaths
        self.cacheDirectory = cacheDirectory
        self.visual = visual
        self.speech = speech
        self.faces = faces
        self.clusterJobName = clusterJobName
        self.visualModelKey = visualModelKey
        self.speechModelKey = speechModelKey
        self.language = language
        self.force = force
    }
}
