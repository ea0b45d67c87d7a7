import JumperCore
import Testing

@Suite struct RGBImageTests {
    @Test func readsPixelChannels() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.pixel(x: 1, y: 0) == (4, 5, 6))
    }
}
