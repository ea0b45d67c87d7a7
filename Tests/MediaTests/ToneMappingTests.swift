import Foundation
import JumperCore
import Media
import Testing

/// Checks that PQ and HLG frames come out close to the SDR photo they were made from: the
/// test media script encodes the coffee photo with SDR white at 203 nits.
@Suite struct ToneMappingTests {
    /// Returns the coffee photo scaled to 640x360 by the ffmpeg CLI, as the script scaled it.
    private static func reference() throws -> RGBImage {
        let photo = "/usr/lib/python3/dist-packages/skimage/data/coffee.png"
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", photo, "-vf", "scale=640:360",
             "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        )
        guard result.status == 0, result.output.count == 640 * 360 * 3 else {
            throw TestMediaError(message: "ffmpeg could not scale '\(photo)': \(result.errorOutput)")
        }
        return RGBImage(width: 640, height: 360, pixels: [UInt8](result.output))
    }

    /// Returns the origin of the most saturated 40x40 patch on a 40-pixel grid of `image`.
    private static func mostSaturatedPatch(_ image: RGBImage) -> (x: Int, y: Int) {
        var best = (x: 0, y: 0, saturation: -1.0)
        for y in stride(from: 0, through: image.height - 40, by: 40) {
            for x in stride(from: 0, through: image.width - 40, by: 40) {
                let color = image.meanColor(x: x, y: y, width: 40, height: 40)
                let saturation = max(color.red, color.green, color.blue) - min(color.red, color.green, color.blue)
                if saturation > best.saturation {
                    best = (x, y, saturation)
                }
            }
        }
        return (best.x, best.y)
    }

    private static func firstFrame(_ name: String) throws -> RGBImage {
        let sampler = try FrameSampler(path: try TestMedia.path(name), shortSide: 360)
        return try #require(try sampler.nextFrame()).image
    }

    @Test(arguments: [("hdr-pq.mp4", 14.0), ("hdr-hlg.mp4", 20.0)])
    func hdrFrameMatchesSdrPhoto(name: String, maxMeanDifference: Double) throws {
        let reference = try Self.reference()
        let image = try Self.firstFrame(name)
        #expect(image.width == 640)
        #expect(image.height == 360)
        let difference = image.meanAbsoluteDifference(to: reference)
        #expect(difference < maxMeanDifference, "mean difference \(difference) per byte")

        // The most colourful patch keeps its colour: an untone-mapped PQ frame turns it grey-pink.
        let patch = Self.mostSaturatedPatch(reference)
        let expected = reference.meanColor(x: patch.x, y: patch.y, width: 40, height: 40)
        let actual = image.meanColor(x: patch.x, y: patch.y, width: 40, height: 40)
        #expect(abs(actual.red - expected.red) < 25, "red \(actual.red), expected \(expected.red)")
        #expect(abs(actual.green - expected.green) < 25, "green \(actual.green), expected \(expected.green)")
        #expect(abs(actual.blue - expected.blue) < 25, "blue \(actual.blue), expected \(expected.blue)")
        let expectedSaturation = max(expected.red, expected.green, expected.blue)
            - min(expected.red, expected.green, expected.blue)
        let actualSaturation = max(actual.red, actual.green, actual.blue) - min(actual.red, actual.green, actual.blue)
        #expect(actualSaturation > 0.8 * expectedSaturation, "saturation \(actualSaturation) of \(expectedSaturation)")
    }

    @Test func hdrThumbnailIsToneMapped() throws {
        let reference = try Self.reference()
        let thumbnail = try FrameExtractor.frame(path: try TestMedia.path("hdr-pq.mp4"), atSeconds: 1, maxLongSide: 640)
        #expect(thumbnail.width == 640)
        #expect(thumbnail.meanAbsoluteDifference(to: reference) < 14)
    }

    @Test func sdrFrameIsUnchanged() throws {
        // The SDR path must not go through the tone mapper: photos.mp4 still matches ffmpeg.
        let path = try TestMedia.path("photos.mp4")
        let sampler = try FrameSampler(path: path, shortSide: 720)
        let image = try #require(try sampler.nextFrame()).image
        let expected = try TestMedia.ffmpegFrame(path: path, frameNumber: 0, width: 1280, height: 720)
        #expect(image.meanAbsoluteDifference(to: expected) < 1)
    }
}
