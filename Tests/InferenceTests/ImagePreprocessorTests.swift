import JumperCore
import Testing

@testable import Inference

@Suite struct ImagePreprocessorTests {
    /// Returns the normalised value of byte `value` in `channel`.
    static func normalised(_ value: UInt8, channel: Int) -> Float {
        (Float(value) / 255 - ImagePreprocessor.mean[channel]) / ImagePreprocessor.standardDeviation[channel]
    }

    @Test func sameSizeFilterIsIdentity() {
        let filter = ResamplingFilter(inputSize: 300, outputSize: 300, outputRange: 10..<20)
        for (offset, taps) in filter.taps.enumerated() {
            #expect(taps.start == 10 + offset)
            #expect(taps.weights == [1])
        }
        #expect(filter.inputRange == 10..<20)
    }

    @Test func shorterSide256IsCentreCroppedExactly() throws {
        // 320 x 256: no resize, crop offset (320 - 224) / 2 = 48 horizontally and 16 vertically.
        var pixels = [UInt8](repeating: 0, count: 320 * 256 * 3)
        for y in 0..<256 {
            for x in 0..<320 {
                let offset = (y * 320 + x) * 3
                pixels[offset] = UInt8(x % 256)
                pixels[offset + 1] = UInt8(y)
                pixels[offset + 2] = UInt8((x + y) % 256)
            }
        }
        let input = try ImagePreprocessor.networkInput(from: RGBImage(width: 320, height: 256, pixels: pixels))
        #expect(input.count == 3 * 224 * 224)
        let area = 224 * 224
        for (x, y) in [(0, 0), (223, 0), (0, 223), (100, 57), (223, 223)] {
            let sourceX = x + 48
            let sourceY = y + 16
            #expect(abs(input[y * 224 + x] - Self.normalised(UInt8(sourceX % 256), channel: 0)) < 1e-5)
            #expect(abs(input[area + y * 224 + x] - Self.normalised(UInt8(sourceY), channel: 1)) < 1e-5)
            #expect(abs(input[2 * area + y * 224 + x] - Self.normalised(UInt8((sourceX + sourceY) % 256), channel: 2)) < 1e-5)
        }
    }

    @Test func downscalingAveragesFineDetail() throws {
        // Alternating black and white columns at 512 x 512 become mid-grey at 256 x 256 when
        // the filter is antialiased. A plain two-tap bilinear filter would alias to stripes.
        var pixels = [UInt8](repeating: 0, count: 512 * 512 * 3)
        for y in 0..<512 {
            for x in stride(from: 0, to: 512, by: 2) {
                let offset = (y * 512 + x) * 3
                pixels[offset] = 255
                pixels[offset + 1] = 255
                pixels[offset + 2] = 255
            }
        }
        let input = try ImagePreprocessor.networkInput(from: RGBImage(width: 512, height: 512, pixels: pixels))
        let grey = Self.normalised(128, channel: 0)
        let redPlane = input[0..<(224 * 224)]
        let worst = redPlane.reduce(Float(0)) { max($0, abs($1 - grey)) }
        #expect(worst < 0.02, "red plane deviates from mid-grey by \(worst)")
    }

    @Test func portraitFrameUsesItsCentre() throws {
        // 256 x 400 portrait: the crop starts at row (400 - 224) / 2 = 88, so the red band in
        // rows 88 to 311 fills the input and the blue borders are cut away.
        var pixels = [UInt8](repeating: 0, count: 256 * 400 * 3)
        for y in 0..<400 {
            for x in 0..<256 {
                let offset = (y * 256 + x) * 3
                if (88..<312).contains(y) {
                    pixels[offset] = 255
                } else {
                    pixels[offset + 2] = 255
                }
            }
        }
        let input = try ImagePreprocessor.networkInput(from: RGBImage(width: 256, height: 400, pixels: pixels))
        let area = 224 * 224
        #expect(abs(input[0] - Self.normalised(255, channel: 0)) < 1e-5)
        #expect(abs(input[area - 1] - Self.normalised(255, channel: 0)) < 1e-5)
        #expect(abs(input[2 * area] - Self.normalised(0, channel: 2)) < 1e-5)
        #expect(abs(input[3 * area - 1] - Self.normalised(0, channel: 2)) < 1e-5)
    }

    @Test func tinyImageIsUpscaled() throws {
        // A 2 x 3 image becomes 256 x 384 before the crop, with every value finite.
        let pixels: [UInt8] = [0, 0, 0, 255, 255, 255, 10, 20, 30, 40, 50, 60, 200, 100, 0, 0, 100, 200]
        let input = try ImagePreprocessor.networkInput(from: RGBImage(width: 2, height: 3, pixels: pixels))
        #expect(input.count == 3 * 224 * 224)
        #expect(input.allSatisfy { $0.isFinite })
        #expect(input.min()! >= Self.normalised(0, channel: 0))
        #expect(input.max()! <= Self.normalised(255, channel: 2))
    }

    @Test func emptyImageIsRejected() {
        #expect(throws: InferenceError.self) {
            _ = try ImagePreprocessor.networkInput(from: RGBImage(width: 0, height: 0, pixels: []))
        }
    }

    @Test func samePaddingPutsExtraPixelAfter() {
        let stem = SamePadding(inputSize: 224, kernel: 3, stride: 2)
        #expect(stem.outputSize == 112)
        #expect(stem.before == 0)
        #expect(stem.after == 1)
        let depthwise = SamePadding(inputSize: 28, kernel: 5, stride: 2)
        #expect(depthwise.outputSize == 14)
        #expect(depthwise.before == 1)
        #expect(depthwise.after == 2)
        let unit = SamePadding(inputSize: 14, kernel: 5, stride: 1)
        #expect(unit.outputSize == 14)
        #expect(unit.before == 2)
        #expect(unit.after == 2)
    }
}
