/// A range of one media file that an export cuts or places on a timeline.
public struct ClipRange: Sendable, Equatable {
    /// The absolute path of the source media.
    public var mediaPath: String
    /// The start in seconds from the first presented frame of the file (not from its start
    /// timecode or from timestamp 0, where MPEG-TS files and offset recordings do not start).
    public var start: Double
    /// The end in seconds from the first presented frame; greater than `start`.
    public var end: Double
    /// The name the client gave, or nil to derive one from the file name and times.
    public var name: String?

    public init(mediaPath: String, start: Double, end: Double, name: String? = nil) {
        self.mediaPath = mediaPath
        self.start = start
        self.end = end
        self.name = name
    }
}
