/// The header of a stored visual analysis file: everything except the vectors and the
/// thumbnails, plus where those sit in the file.
public struct VisualFileHeader: Sendable {
    /// Path of the file the header was read from.
    public let path: String
    /// Identity of the file version the header was read from.
    public let identity: FileIdentity
    public let hashString: String
    public let sourcePath: String
    public let modelKey: String
    public let dimension: Int
    public let frameCount: Int
    /// Media duration in seconds.
    public let duration: Double
    /// Media time of each frame in seconds.
    public let frameTimes: [Double]
    /// Scene start times in seconds, strictly increasing, the first one 0.
    public let sceneStarts: [Double]
    /// Write time as an ISO 8601 string.
    public let createdAt: String

    /// Absolute file offset of the first vector value.
    let vectorsOffset: Int
    let vectorsChecksum: UInt64
    /// Absolute file offset of the first thumbnail.
    let thumbnailsOffset: Int
    let thumbnailsLength: Int
    let thumbnailsChecksum: UInt64
    /// Byte length of each frame's thumbnail, 0 when the frame has none.
    public let thumbnailLengths: [Int]
    /// Absolute file offset of each frame's thumbnail.
    public let thumbnailOffsets: [Int]

    var vectorsLength: Int {
        self.frameCount * self.dimension * 2
    }
}
