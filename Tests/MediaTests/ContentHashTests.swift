import Foundation
import Testing

@testable import Media

@Suite struct ContentHashTests {
    @Test func crc32MatchesCheckValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test func hashHasHexDashSizeFormat() throws {
        let path = try TestMedia.path("photos.mp4")
        let hash = try ContentHash.hashString(ofFileAt: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let parts = hash.split(separator: "-")
        #expect(parts.count == 2)
        #expect(parts[0].count == 8)
        #expect(parts[0].allSatisfy { "0123456789abcdef".contains($0) })
        #expect(parts[1] == Substring(String(size)))
    }

    @Test func sameContentAtTwoPathsHashesEqual() throws {
        let original = try TestMedia.path("photos.mp4")
        let copy = try TestMedia.path("café 東京 🎬.mp4")
        #expect(try ContentHash.hashString(ofFileAt: original) == ContentHash.hashString(ofFileAt: copy))
    }

    @Test func smallFileHashCoversWholeFile() throws {
        let folder = try TestMedia.makeTemporaryFolder()
        let path = folder + "/small.bin"
        let bytes = Array("123456789".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        var crc = CRC32()
        withUnsafeBytes(of: UInt64(9).littleEndian) { crc.update($0) }
        crc.update(bytes)
        let expected = ContentHash.format(crc: crc.value, size: 9)
        #expect(try ContentHash.hashString(ofFileAt: path) == expected)
    }

    @Test func middleSampleChangeChangesHash() throws {
        let folder = try TestMedia.makeTemporaryFolder()
        let path = folder + "/large.bin"
        let size = 5 * 1024 * 1024 + 123
        var bytes = [UInt8](repeating: 0, count: size)
        for index in bytes.indices {
            bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let before = try ContentHash.hashString(ofFileAt: path)

        let middleStart = (size - 1024 * 1024) / 2
        bytes[middleStart + 10] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let afterMiddleChange = try ContentHash.hashString(ofFileAt: path)
        #expect(afterMiddleChange != before)

        // A byte between the samples is not read, which is what keeps the cost constant.
        bytes[middleStart + 10] ^= 0xFF
        bytes[1024 * 1024 + 5] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try ContentHash.hashString(ofFileAt: path) == before)
    }

    @Test func sampleRangesOfLargeFile() {
        let mebibyte: Int64 = 1 << 20
        let ranges = ContentHash.sampleRanges(fileSize: 10 * mebibyte + 1)
        #expect(
            ranges == [
                0..<mebibyte, (9 * mebibyte + 1) / 2..<((9 * mebibyte + 1) / 2 + mebibyte),
                (9 * mebibyte + 1)..<(10 * mebibyte + 1),
            ]
        )
        #expect(ContentHash.sampleRanges(fileSize: 3 * mebibyte - 1) == [0..<(3 * mebibyte - 1)])
    }

    @Test func missingFileRaisesFileNotFound() {
        #expect(throws: MediaError.self) {
            try ContentHash.hashString(ofFileAt: "/nonexistent/clip.mp4")
        }
    }
}
