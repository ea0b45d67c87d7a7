import Glibc

/// The content identifier `hash_str`: it names a file by its bytes, not its path, so analysis
/// stored on a shared drive is found again from machines that mount it elsewhere.
///
/// Definition: CRC-32 (IEEE 802.3 / zlib polynomial, reflected, initial value and final XOR
/// 0xFFFFFFFF) computed over, in order,
/// 1. the file size in bytes as 8 bytes, little-endian;
/// 2. for a file of at least 3 MiB: the first 1 MiB, the 1 MiB starting at offset
///    `(size - 1 MiB) / 2` (integer division), and the last 1 MiB; for a smaller file, the
///    whole file.
///
/// The result is 8 lowercase hex digits, `-`, and the size in decimal, e.g.
/// `"1c291ca3-6103111"`. The cost is at most 3 MiB of reading whatever the file size.
public enum ContentHash {
    /// The length of each sample, 1 MiB.
    public static let sampleLength: Int64 = 1 << 20

    /// Computes the `hash_str` of the file at `path`.
    ///
    /// - Throws: `MediaError.fileNotFound`, `.notAFile` or `.unreadable`. An empty file
    ///   has a hash (`"…-0"`); callers that need media reject it separately.
    public static func hashString(ofFileAt path: String) throws -> String {
        let size = try MediaFileCheck.regularFileSize(atPath: path)
        guard let file = fopen(path, "rb") else {
            throw MediaError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }

        var crc = CRC32()
        withUnsafeBytes(of: UInt64(size).littleEndian) { crc.update($0) }
        for range in self.sampleRanges(fileSize: size) {
            try self.feed(file, range: range, into: &crc, path: path)
        }
        return self.format(crc: crc.value, size: size)
    }

    /// Returns the byte ranges that are hashed for a file of `fileSize` bytes, in order.
    static func sampleRanges(fileSize: Int64) -> [Range<Int64>] {
        if fileSize < 3 * self.sampleLength {
            return [0..<fileSize]
        }
        let middleStart = (fileSize - self.sampleLength) / 2
        return [
            0..<self.sampleLength,
            middleStart..<(middleStart + self.sampleLength),
            (fileSize - self.sampleLength)..<fileSize,
        ]
    }

    static func format(crc: UInt32, size: Int64) -> String {
        let hex = String(crc, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex + "-" + String(size)
    }

    private static func feed(
        _ file: UnsafeMutablePointer<FILE>,
        range: Range<Int64>,
        into crc: inout CRC32,
        path: String
    ) throws(MediaError) {
        guard fseeko(file, off_t(range.lowerBound), SEEK_SET) == 0 else {
            throw MediaError.unreadable(path: path, reason: "seek failed: \(String(cString: strerror(errno)))")
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var remaining = Int(range.count)
        while remaining > 0 {
            let count = fread(&buffer, 1, min(buffer.count, remaining), file)
            if count == 0 {
                // The file shrank while it was read: it is still being written or was replaced.
                throw MediaError.unreadable(
                    path: path,
                    reason: "it ended before the expected \(range.upperBound) bytes (it may still be being written)"
                )
            }
            buffer.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            remaining -= count
        }
    }
}
