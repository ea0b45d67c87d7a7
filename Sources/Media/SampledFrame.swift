import JumperCore

/// One frame of the one-frame-per-second grid: frame `index` is the picture on screen at
/// `index` seconds after the first presented frame.
public struct SampledFrame: Sendable {
    /// The second this frame samples, starting at 0.
    public let index: Int
    /// The presentation time of the decoded frame, in seconds after the first presented frame.
    /// It is at most `index` and, for constant frame rates, within one frame's time of it.
    public let timeSeconds: Double
    /// The picture in display orientation.
    public let image: RGBImage

    public init(index: Int, timeSeconds: Double, image: RGBImage) {
        self.index = index
        self.timeSeconds = timeSeconds
        self.image = image
    }
}
