import Foundation
import JumperCore
import Testing

@testable import Media

/// Still images in every common format decode upright, unstretched and in the right colours.
@Suite struct ImageFormatTests {
    /// Converts the real cat photo with the ffmpeg CLI into `name`, whose extension picks the format.
    private func convertedCat(_ name: String, options: [String] = []) throws -> String {
        let path = try TestMedia.makeTemporaryFolder() + "/" + name
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            ["-v", "error", "-y", "-i", try TestMedia.path("cat.png")] + options + [path]
        )
        #expect(result.status == 0, "ffmpeg failed: \(result.errorOutput)")
        return path
    }

    private func firstFrame(_ path: String) throws -> RGBImage {
        let sampler = try FrameSampler(path: path, shortSide: 64)
        return try #require(try sampler.nextFrame()).image
    }

    @Test(arguments: [
        ("cat.webp", 8.0), ("cat.tiff", 2.0), ("cat.bmp", 2.0), ("cat.jpg", 8.0), ("cat.gif", 16.0),
    ])
    func formatDecodesLikeThePNG(name: String, tolerance: Double) throws {
        let reference = try self.firstFrame(try TestMedia.path("cat.png"))
        let path = try self.convertedCat(name)
        #expect(try MediaProbe.probe(path: path).mediaType == .image)

        let image = try self.firstFrame(path)
        #expect(image.width == reference.width)
        #expect(image.height == reference.height)
        let difference = image.meanAbsoluteDifference(to: reference)
        #expect(difference < tolerance, "\(name) differs from the PNG by \(difference) levels per byte")
    }

    @Test func animatedGIFGivesItsFirstFrame() throws {
        let path = try TestMedia.makeTemporaryFolder() + "/red-then-blue.gif"
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            [
                "-v", "error", "-y",
                "-f", "lavfi", "-i", "color=c=red:s=96x64:r=2:d=1",
                "-f", "lavfi", "-i", "color=c=blue:s=96x64:r=2:d=1",
                "-filter_complex", "[0][1]concat=n=2:v=1", path,
            ]
        )
        #expect(result.status == 0, "ffmpeg failed: \(result.errorOutput)")

        let image = try self.firstFrame(path)
        let colour = image.meanColor(x: 0, y: 0, width: image.width, height: image.height)
        #expect(colour.red > 200, "first frame is not red: \(colour)")
        #expect(colour.blue < 60, "first frame is not red: \(colour)")
    }
}
