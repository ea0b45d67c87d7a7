import Foundation

/// The EXIF `Orientation` tag (0x0112) of JPEG files, which FFmpeg 5.1 does not apply:
/// phones store portrait photos as landscape pixels plus this tag.
enum ExifOrientation {
    /// Reads the EXIF orientation of the JPEG file at `path` and returns the matching display
    /// orientation, or nil when the file is not a JPEG, has no EXIF block or the tag is absent
    /// or invalid. Reads at most the first 64 KiB, where the APP1 segment must sit.
    static func read(path: String) -> DisplayOrientation? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 65_536) else { return nil }
        guard let value = self.orientationValue(in: [UInt8](data)) else { return nil }
        return self.displayOrientation(forTagValue: value)
    }

    /// Maps EXIF orientation values 1 to 8 to display matrices (see `DisplayOrientation`).
    static func displayOrientation(forTagValue value: Int) -> DisplayOrientation? {
        switch value {
        case 1: return .upright
        case 2: return DisplayOrientation(a: -1, b: 0, c: 0, d: 1)  // mirrored left to right
        case 3: return DisplayOrientation(a: -1, b: 0, c: 0, d: -1)  // turned 180 degrees
        case 4: return DisplayOrientation(a: 1, b: 0, c: 0, d: -1)  // mirrored top to bottom
        case 5: return DisplayOrientation(a: 0, b: 1, c: 1, d: 0)  // transposed
        case 6: return DisplayOrientation(a: 0, b: 1, c: -1, d: 0)  // turned 90 degrees clockwise
        case 7: return DisplayOrientation(a: 0, b: -1, c: -1, d: 0)  // transversed
        case 8: return DisplayOrientation(a: 0, b: -1, c: 1, d: 0)  // turned 90 degrees counterclockwise
        default: return nil
        }
    }

    /// Finds the orientation value in the APP1 `Exif` segment of JPEG bytes.
    static func orientationValue(in bytes: [UInt8]) -> Int? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        // Walk the marker segments before the image data; each has a 2-byte big-endian length.
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let segmentStart = offset + 4
            if marker == 0xDA || length < 2 {
                return nil
            }
            if marker == 0xE1, segmentStart + 6 <= bytes.count,
                Array(bytes[segmentStart..<(segmentStart + 6)]) == [0x45, 0x78, 0x69, 0x66, 0, 0]
            {
                let tiffEnd = min(bytes.count, offset + 2 + length)
                return self.orientationValue(inTIFF: Array(bytes[(segmentStart + 6)..<tiffEnd]))
            }
            offset += 2 + length
        }
        return nil
    }

    /// Reads tag 0x0112 from the first IFD of a TIFF header in either byte order.
    private static func orientationValue(inTIFF tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let isLittleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): isLittleEndian = true
        case (0x4D, 0x4D): isLittleEndian = false
        default: return nil
        }
        func unsigned16(at index: Int) -> Int? {
            guard index + 2 <= tiff.count else { return nil }
            return isLittleEndian
                ? Int(tiff[index]) | Int(tiff[index + 1]) << 8
                : Int(tiff[index]) << 8 | Int(tiff[index + 1])
        }
        func unsigned32(at index: Int) -> Int? {
            guard let high = unsigned16(at: isLittleEndian ? index + 2 : index),
                let low = unsigned16(at: isLittleEndian ? index : index + 2)
            else {
                return nil
            }
            return high << 16 | low
        }

        guard let ifdOffset = unsigned32(at: 4), let entryCount = unsigned16(at: ifdOffset) else { return nil }
        for entry in 0..<entryCount {
            let entryOffset = ifdOffset + 2 + entry * 12
            guard let tag = unsigned16(at: entryOffset) else { return nil }
            if tag == 0x0112 {
                // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
                return unsigned16(at: entryOffset + 8)
            }
        }
        return nil
    }
}
