import Foundation
import JumperCore
import Testing

@testable import Media

@Suite struct ExifOrientationTests {
    /// Returns an APP1 segment holding a TIFF header with one IFD entry: Orientation = `value`.
    private func exifSegment(orientation value: UInt8, littleEndian: Bool) -> [UInt8] {
        let tiff: [UInt8] =
            littleEndian
            ? [
                0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00,
                0x00,
                value, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ]
            : [
                0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00,
                0x01,
                0x00, value, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ]
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    @Test(arguments: [true, false])
    func readsOrientationInBothByteOrders(littleEndian: Bool) {
        let jpegStart: [UInt8] =
            [0xFF, 0xD8] + self.exifSegment(orientation: 6, littleEndian: littleEndian) + [0xFF, 0xDA]
        #expect(ExifOrientation.orientationValue(in: jpegStart) == 6)
    }

    @Test func jpegWithoutExifHasNoOrientation() {
        #expect(
            ExifOrientation.orientationValue(in: [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xDA]) == nil
        )
        #expect(ExifOrientation.orientationValue(in: Array("not a jpeg".utf8)) == nil)
    }

    @Test func tagValuesMapToClockwiseTurns() {
        let turns = (1...8).map { ExifOrientation.displayOrientation(forTagValue: $0)?.clockwiseRotation }
        #expect(turns == [0, 0, 180, 180, 270, 90, 90, 270])
        let mirrors = (1...8).map { ExifOrientation.displayOrientation(forTagValue: $0)?.isMirrored }
        #expect(mirrors == [false, true, false, true, true, false, true, false])
        #expect(ExifOrientation.displayOrientation(forTagValue: 9) == nil)
    }

    @Test func exifRotatedJpegIsUpright() throws {
        // Red over blue as displayed, stored turned counterclockwise (red on the left), tagged 6.
        let folder = try TestMedia.makeTemporaryFolder()
        let plainPath = folder + "/plain.jpg"
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            [
                "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "color=c=red:size=320x120",
                "-f", "lavfi", "-i", "color=c=blue:size=320x120",
                "-filter_complex", "[0:v][1:v]vstack,transpose=2", "-frames:v", "1", "-q:v", "2", plainPath,
            ]
        )
        #expect(result.status == 0)
        let plain = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plainPath)))
        let tagged = [0xFF, 0xD8] + self.exifSegment(orientation: 6, littleEndian: false) + plain.dropFirst(2)
        let path = folder + "/portrait.jpg"
        try Data(tagged).write(to: URL(fileURLWithPath: path))

        let info = try MediaProbe.probe(path: path)
        #expect(info.mediaType == .image)
        #expect(info.rotation == 90)
        #expect(info.width == 320)
        #expect(info.height == 240)

        let sampler = try FrameSampler(path: path, shortSide: 120)
        let image = try #require(try sampler.nextFrame()).image
        #expect(image.width == 160)
        #expect(image.height == 120)
        let top = image.meanColor(x: 10, y: 5, width: 140, height: 40)
        #expect(top.red > 200)
        #expect(top.blue < 40)
        let bottom = image.meanColor(x: 10, y: 75, width: 140, height: 40)
        #expect(bottom.blue > 200)
        #expect(bottom.red < 40)
        #expect(try sampler.nextFrame() == nil)
    }
    /// Makes a JPEG that displays red, green, blue and white quadrants (clockwise from the top
    /// left, 320x240) when its EXIF orientation `tag` is applied, by storing the inverse turn.
    private func quadrantJPEG(orientation tag: Int) throws -> String {
        // The ffmpeg filter that turns the displayed picture into the stored one.
        let storing = ["null", "hflip", "hflip,vflip", "vflip", "transpose=0", "transpose=2", "transpose=3", "transpose=1"]
        let folder = try TestMedia.makeTemporaryFolder()
        let plainPath = folder + "/plain.jpg"
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            [
                "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "color=c=red:size=160x120", "-f", "lavfi", "-i", "color=c=lime:size=160x120",
                "-f", "lavfi", "-i", "color=c=blue:size=160x120", "-f", "lavfi", "-i", "color=c=white:size=160x120",
                "-filter_complex", "[0:v][1:v]hstack[top];[2:v][3:v]hstack[bottom];[top][bottom]vstack,\(storing[tag - 1])",
                "-frames:v", "1", "-q:v", "2", plainPath,
            ]
        )
        guard result.status == 0 else {
            throw TestMediaError(message: "ffmpeg could not make the quadrant JPEG: \(result.errorOutput)")
        }
        let plain = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plainPath)))
        let tagged = [0xFF, 0xD8] + self.exifSegment(orientation: UInt8(tag), littleEndian: tag % 2 == 0) + plain.dropFirst(2)
        let path = folder + "/orientation-\(tag).jpg"
        try Data(tagged).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: 1...8)
    func everyOrientationDisplaysUpright(tag: Int) throws {
        let path = try self.quadrantJPEG(orientation: tag)
        let info = try MediaProbe.probe(path: path)
        #expect(info.width == 320)
        #expect(info.height == 240)

        let sampler = try FrameSampler(path: path, shortSide: 120)
        let image = try #require(try sampler.nextFrame()).image
        #expect(image.width == 160)
        #expect(image.height == 120)
        let topLeft = image.meanColor(x: 10, y: 10, width: 50, height: 40)
        let topRight = image.meanColor(x: 100, y: 10, width: 50, height: 40)
        let bottomLeft = image.meanColor(x: 10, y: 70, width: 50, height: 40)
        let bottomRight = image.meanColor(x: 100, y: 70, width: 50, height: 40)
        #expect(topLeft.red > 200, "top left \(topLeft)")
        #expect(topLeft.green < 60, "top left \(topLeft)")
        #expect(topLeft.blue < 60, "top left \(topLeft)")
        #expect(topRight.green > 200, "top right \(topRight)")
        #expect(topRight.red < 60, "top right \(topRight)")
        #expect(topRight.blue < 60, "top right \(topRight)")
        #expect(bottomLeft.blue > 200, "bottom left \(bottomLeft)")
        #expect(bottomLeft.red < 60, "bottom left \(bottomLeft)")
        #expect(bottomLeft.green < 60, "bottom left \(bottomLeft)")
        #expect(min(bottomRight.red, bottomRight.green, bottomRight.blue) > 200, "bottom right \(bottomRight)")

        let thumbnail = try FrameExtractor.frame(path: path, atSeconds: 0, maxLongSide: 160)
        #expect(thumbnail.width == 160)
        #expect(thumbnail.height == 120)
        let thumbnailTopLeft = thumbnail.meanColor(x: 10, y: 10, width: 50, height: 40)
        #expect(thumbnailTopLeft.red > 200, "thumbnail top left \(thumbnailTopLeft)")
        #expect(thumbnailTopLeft.green < 60, "thumbnail top left \(thumbnailTopLeft)")
    }
}
