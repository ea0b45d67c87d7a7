import JumperCore
import Testing

@testable import Media

@Suite struct DisplayOrientationTests {
    /// A 3x2 picture whose red byte numbers the pixels 0...5 in row-major order.
    private let stored = RGBImage(
        width: 3,
        height: 2,
        pixels: (0..<6).flatMap { [UInt8($0), 0, 0] }
    )

    private func redBytes(_ image: RGBImage) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
    }

    @Test func clockwiseQuarterTurn() {
        // av_display_rotation_set(matrix, -90): cos 0, sin -1.
        let orientation = DisplayOrientation(a: 0, b: 1, c: -1, d: 0)
        #expect(orientation.clockwiseRotation == 90)
        #expect(orientation.swapsAxes)
        #expect(!orientation.isMirrored)
        let display = orientation.apply(to: self.stored)
        #expect(display.width == 2)
        #expect(display.height == 3)
        // Turned clockwise, the bottom row (3 4 5) becomes the left column, read top down.
        #expect(self.redBytes(display) == [3, 0, 4, 1, 5, 2])
    }

    @Test func counterclockwiseQuarterTurn() {
        let orientation = DisplayOrientation(a: 0, b: -1, c: 1, d: 0)
        #expect(orientation.clockwiseRotation == 270)
        #expect(self.redBytes(orientation.apply(to: self.stored)) == [2, 5, 1, 4, 0, 3])
    }

    @Test func halfTurn() {
        let orientation = DisplayOrientation(a: -1, b: 0, c: 0, d: -1)
        #expect(orientation.clockwiseRotation == 180)
        #expect(!orientation.swapsAxes)
        #expect(self.redBytes(orientation.apply(to: self.stored)) == [5, 4, 3, 2, 1, 0])
    }

    @Test func horizontalMirror() {
        let orientation = DisplayOrientation(a: -1, b: 0, c: 0, d: 1)
        #expect(orientation.isMirrored)
        #expect(orientation.clockwiseRotation == 0)
        #expect(self.redBytes(orientation.apply(to: self.stored)) == [2, 1, 0, 5, 4, 3])
    }

    @Test func uprightReturnsSameImage() {
        #expect(DisplayOrientation.upright.apply(to: self.stored) == self.stored)
        #expect(DisplayOrientation.upright.clockwiseRotation == 0)
    }
}
