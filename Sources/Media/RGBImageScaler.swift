import CFFmpeg
import JumperCore

/// Scales RGB images with libswscale's bicubic filter and the flags `FrameSampler` scales
/// decoded frames with, so a frame scaled in two steps stays close to one scaled in one.
///
/// Not thread-safe: use an instance from one thread at a time.
public final class RGBImageScaler {
    private var context: OpaquePointer?

    public init() {}

    deinit {
        sws_freeContext(self.context)
    }

    /// Returns `image` scaled so its shorter side is `shortSide` pixels, keeping the aspect
    /// ratio. Returns the image unchanged when its shorter side is already at most
    /// `shortSide`; never enlarges.
    public func scaled(_ image: RGBImage, shortSide: Int) -> RGBImage {
        precondition(shortSide > 0, "shortSide must be positive")
        let currentShortSide = min(image.width, image.height)
        guard currentShortSide > shortSide else { return image }

        let scale = Double(shortSide) / Double(currentShortSide)
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT
        self.context = sws_getCachedContext(
            self.context,
            Int32(image.width),
            Int32(image.height),
            AV_PIX_FMT_RGB24,
            Int32(width),
            Int32(height),
            AV_PIX_FMT_RGB24,
            flags,
            nil,
            nil,
            nil
        )
        // RGB24 to RGB24 is always supported, so a nil context means the sizes were invalid.
        guard let context = self.context else {
            preconditionFailure("sws_getCachedContext rejected \(image.width)x\(image.height) to \(width)x\(height)")
        }

        var output = [UInt8](repeating: 0, count: width * height * 3)
        let rows = image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                var sourcePlanes: [UnsafePointer<UInt8>?] = [source.baseAddress, nil, nil, nil]
                var sourceStrides: [Int32] = [Int32(image.width * 3), 0, 0, 0]
                var destinationPlanes: [UnsafeMutablePointer<UInt8>?] = [destination.baseAddress, nil, nil, nil]
                var destinationStrides: [Int32] = [Int32(width * 3), 0, 0, 0]
                return sws_scale(
                    context,
                    &sourcePlanes,
                    &sourceStrides,
                    0,
                    Int32(image.height),
                    &destinationPlanes,
                    &destinationStrides
                )
            }
        }
        precondition(rows == Int32(height), "sws_scale wrote \(rows) of \(height) rows")
        return RGBImage(width: width, height: height, pixels: output)
    }
}
