import Foundation
import JumperCore
import Media
import Testing

@Suite struct ThumbnailTests {
    @Test func extractorReturnsFrameAtTime() throws {
        let path = try TestMedia.path("photos.mp4")
        let image = try FrameExtractor.frame(path: path, atSeconds: 12.5, maxLongSide: 480)
        #expect(image.width == 480)
        #expect(image.height == 270)
        let reference = try TestMedia.ffmpegFrame(path: path, frameNumber: 375, width: 480, height: 270)
        #expect(image.meanAbsoluteDifference(to: reference) < 1)
    }

    @Test func extractorTurnsRotatedVideoUpright() throws {
        let image = try FrameExtractor.frame(
            path: try TestMedia.path("pattern-rotated.mov"),
            atSeconds: 1,
            maxLongSide: 480
        )
        #expect(image.width == 320)
        #expect(image.height == 240)
        let top = image.meanColor(x: 20, y: 10, width: 280, height: 80)
        #expect(top.red > 220)
        #expect(top.blue < 30)
    }

    @Test func extractorPastEndThrows() throws {
        let path = try TestMedia.path("short.mp4")
        #expect {
            _ = try FrameExtractor.frame(path: path, atSeconds: 99, maxLongSide: 100)
        } throws: { error in
            guard case MediaError.timeBeyondEnd(_, 99, _) = error else { return false }
            return true
        }
    }

    @Test func extractorNeverUpscales() throws {
        let image = try FrameExtractor.frame(path: try TestMedia.path("cat.png"), atSeconds: 0, maxLongSide: 4000)
        #expect(image.width == 451)
        #expect(image.height == 300)
    }

    @Test func jpegDecodesBackToSameSize() throws {
        let image = try FrameExtractor.frame(path: try TestMedia.path("photos.mp4"), atSeconds: 2, maxLongSide: 480)
        let jpeg = try JPEGEncoder.encode(image, quality: 80)
        #expect(jpeg.starts(with: [0xFF, 0xD8]))

        let path = try TestMedia.makeTemporaryFolder() + "/thumbnail.jpg"
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        let result = try TestMedia.run(
            "/usr/bin/ffprobe",
            ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", path]
        )
        #expect(result.status == 0)
        #expect(
            String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                == "mjpeg,480,270"
        )

        let decoded = try FrameExtractor.frame(path: path, atSeconds: 0, maxLongSide: 480)
        #expect(decoded.meanAbsoluteDifference(to: image) < 6)
    }

    @Test func resizerKeepsAspectAndNeverUpscales() {
        let image = RGBImage(width: 1280, height: 720, pixels: [UInt8](repeating: 200, count: 1280 * 720 * 3))
        let smaller = ImageResizer.resized(image, maxLongSide: 480)
        #expect(smaller.width == 480)
        #expect(smaller.height == 270)
        #expect(smaller.pixels.allSatisfy { $0 == 200 })
        let same = ImageResizer.resized(image, maxLongSide: 2000)
        #expect(same == image)
    }

    @Test func resizerAveragesAreas() {
        // A 4x2 picture of black and white columns halves to 2x1 mid-grey pixels.
        var pixels: [UInt8] = []
        for _ in 0..<2 {
            for column in 0..<4 {
                let value: UInt8 = column % 2 == 0 ? 0 : 255
                pixels += [value, value, value]
            }
        }
        let image = RGBImage(width: 4, height: 2, pixels: pixels)
        let half = ImageResizer.resized(image, maxLongSide: 2)
        #expect(half.width == 2)
        #expect(half.height == 1)
        #expect(half.pixels == [128, 128, 128, 128, 128, 128])
    }
}
