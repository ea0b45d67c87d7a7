import Foundation
import Testing

@testable import Media

@Suite struct LargeImageTests {
    /// Writes a copy of the cat PNG whose header claims `width` x `height`: the size check runs
    /// on the header before any pixel is decoded, so the pixel data does not need to match.
    private func makePNG(claimingWidth width: UInt32, height: UInt32) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("cat.png"))))
        // The IHDR chunk: length at 8, type at 12, width at 16, height at 20, CRC at 29.
        #expect(Array(bytes[12..<16]) == Array("IHDR".utf8))
        for (offset, value) in [(16, width), (20, height)] {
            bytes[offset] = UInt8(value >> 24)
            bytes[offset + 1] = UInt8((value >> 16) & 0xFF)
            bytes[offset + 2] = UInt8((value >> 8) & 0xFF)
            bytes[offset + 3] = UInt8(value & 0xFF)
        }
        var crc = CRC32()
        crc.update(Array(bytes[12..<29]))
        let checksum = crc.value
        bytes[29] = UInt8(checksum >> 24)
        bytes[30] = UInt8((checksum >> 16) & 0xFF)
        bytes[31] = UInt8((checksum >> 8) & 0xFF)
        bytes[32] = UInt8(checksum & 0xFF)

        let path = try TestMedia.makeTemporaryFolder() + "/huge.png"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func oversizedImageRaisesImageTooLarge() throws {
        let path = try self.makePNG(claimingWidth: 16000, height: 14000)
        let error = MediaErrorCapture.error {
            let sampler = try FrameSampler(path: path)
            _ = try sampler.nextFrame()
        }
        guard case .imageTooLarge(let errorPath, let width, let height, let maxPixels) = error else {
            Issue.record("expected imageTooLarge, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(width == 16000)
        #expect(height == 14000)
        #expect(maxPixels == VideoDecoder.maxPixels)
        #expect(error?.description.contains(path) == true)
    }
}
