import JumperCore
import Media
import Testing

@Suite struct RGBImageScalerTests {
    @Test func scalesToShortSide() {
        let scaler = RGBImageScaler()
        let landscape = RGBImage(width: 1280, height: 720, pixels: [UInt8](repeating: 90, count: 1280 * 720 * 3))
        let scaled = scaler.scaled(landscape, shortSide: 256)
        #expect(scaled.width == 455)
        #expect(scaled.height == 256)
        // A flat picture stays flat through the filter.
        #expect(scaled.pixels.allSatisfy { $0 == 90 })

        let portrait = RGBImage(width: 720, height: 1280, pixels: [UInt8](repeating: 30, count: 720 * 1280 * 3))
        let scaledPortrait = scaler.scaled(portrait, shortSide: 256)
        #expect(scaledPortrait.width == 256)
        #expect(scaledPortrait.height == 455)
    }

    @Test func smallImageIsUnchanged() {
        let image = RGBImage(width: 200, height: 100, pixels: [UInt8](repeating: 7, count: 200 * 100 * 3))
        let scaled = RGBImageScaler().scaled(image, shortSide: 256)
        #expect(scaled.width == 200)
        #expect(scaled.height == 100)
    }
}
