/// A video frame rate as FCP7 XML stores it: an integer timebase, with `ntsc` meaning the real
/// rate is `timebase * 1000 / 1001` (23.976, 29.97, 59.94).
public struct FrameRate: Sendable, Equatable, CustomStringConvertible {
    public let timebase: Int
    public let ntsc: Bool

    public init(timebase: Int, ntsc: Bool) {
        self.timebase = timebase
        self.ntsc = ntsc
    }

    /// Reads a rate in frames per second, or returns nil when it is not positive and finite.
    /// Rates within 0.01 of `n * 1000 / 1001` for n in 24, 30, 48, 60 and 120 are NTSC with
    /// timebase n. Any other rate is rounded to the nearest integer.
    ///
    /// NOTE: FCP7 XML has no non-integer rate other than NTSC, so 12.5 fps becomes 13 fps.
    public init?(framesPerSecond fps: Double) {
        guard fps.isFinite, fps > 0.5 else { return nil }
        for base in [24, 30, 48, 60, 120] where abs(fps - Double(base) * 1000 / 1001) < 0.01 {
            self.init(timebase: base, ntsc: true)
            return
        }
        self.init(timebase: Int(fps.rounded()), ntsc: false)
    }

    /// The real rate in frames per second.
    public var framesPerSecond: Double {
        self.ntsc ? Double(self.timebase) * 1000 / 1001 : Double(self.timebase)
    }

    /// Returns the frame nearest to `seconds` on this rate's grid.
    public func nearestFrame(atSeconds seconds: Double) -> Int {
        Int((seconds * self.framesPerSecond).rounded())
    }

    /// Returns the time of `frame` in seconds.
    public func seconds(atFrame frame: Int) -> Double {
        Double(frame) / self.framesPerSecond
    }

    public var description: String {
        self.ntsc ? "\(self.timebase) NTSC (\(self.framesPerSecond) fps)" : "\(self.timebase) fps"
    }
}
