import Foundation
import JumperCore

/// Encoding and decoding of `visual.jvis`, the binary file of one media's visual analysis.
///
/// Layout, all integers little-endian:
///
/// | offset | size | content |
/// |---|---|---|
/// | 0 | 4 | magic `JVIS` |
/// | 4 | 4 | format version, UInt32 (currently 1) |
/// | 8 | 4 | header length H in bytes, UInt32 |
/// | 12 | H | UTF-8 JSON header, padded with spaces so that 12 + H is a multiple of 16 |
/// | 12 + H | 2 x frame_count x dimension | vectors, row-major IEEE 754 Float16 |
/// | after the vectors | thumbnails_length | the frames' JPEG thumbnails, concatenated in frame order |
///
/// The JSON header contains `format` (`jumper-visual-analysis`), `hash_str`, `source_path`,
/// `model_key`, `dimension`, `frame_count`, `duration` (seconds), `frame_times` and
/// `scene_starts` (seconds), `vector_encoding` (`float16-le`), `vectors_checksum`,
/// `thumbnail_lengths` (bytes per frame, 0 for none), `thumbnails_length`,
/// `thumbnails_checksum` and `created_at` (ISO 8601). A thumbnail's offset is the
/// thumbnail section's start plus the lengths of the frames before it. Checksums are
/// 16 hex digits of FNV-1a over 64-bit little-endian words of that section.
/// A reader rejects a file whose magic, version, lengths or checksums do not match.
enum VisualFileFormat {
    static let magic: [UInt8] = Array("JVIS".utf8)
    static let version = 1
    static let preambleLength = 12
    static let formatName = "jumper-visual-analysis"
    static let vectorEncoding = "float16-le"
    /// Upper bound on the JSON header, far above the ~30 bytes per frame it needs, so a
    /// damaged length field cannot make a reader allocate gigabytes.
    static let maxHeaderLength = 256 * 1024 * 1024

    // MARK: - Encoding

    /// Encodes a validated analysis as the complete file content.
    static func encode(_ analysis: VisualAnalysis, createdAt: String) -> [UInt8] {
        let vectorBytes = self.encodeVectors(analysis.vectors)
        let thumbnails = analysis.thumbnails.isEmpty
            ? [[UInt8]](repeating: [], count: analysis.frameCount)
            : analysis.thumbnails
        let thumbnailBytes = Array(thumbnails.joined())

        let header: JSON = [
            "format": .string(self.formatName),
            "hash_str": .string(analysis.hashString),
            "source_path": .string(analysis.sourcePath),
            "model_key": .string(analysis.modelKey),
            "dimension": JSON(analysis.dimension),
            "frame_count": JSON(analysis.frameCount),
            "duration": JSON(analysis.duration),
            "frame_times": .array(analysis.frameTimes.map { JSON($0) }),
            "scene_starts": .array(analysis.sceneStarts.map { JSON($0) }),
            "vector_encoding": .string(self.vectorEncoding),
            "vectors_checksum": .string(hexString(vectorBytes.withUnsafeBytes(checksum64))),
            "thumbnail_lengths": .array(thumbnails.map { JSON($0.count) }),
            "thumbnails_length": JSON(thumbnailBytes.count),
            "thumbnails_checksum": .string(hexString(thumbnailBytes.withUnsafeBytes(checksum64))),
            "created_at": .string(createdAt),
        ]
        var headerBytes = header.serialized()
        let padding = (16 - (self.preambleLength + headerBytes.count) % 16) % 16
        headerBytes.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: padding))

        var file: [UInt8] = []
        file.reserveCapacity(self.preambleLength + headerBytes.count + vectorBytes.count + thumbnailBytes.count)
        file.append(contentsOf: self.magic)
        appendUInt32(UInt32(self.version), to: &file)
        appendUInt32(UInt32(headerBytes.count), to: &file)
        file.append(contentsOf: headerBytes)
        file.append(contentsOf: vectorBytes)
        file.append(contentsOf: thumbnailBytes)
        return file
    }

    private static func encodeVectors(_ vectors: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: vectors.count * 2)
        bytes.withUnsafeMutableBytes { raw in
            for (index, value) in vectors.enumerated() {
                raw.storeBytes(
                    of: Float16Conversion.bitPattern(of: value),
                    toByteOffset: index * 2,
                    as: UInt16.self
                )
            }
        }
        return bytes
    }

    // MARK: - Decoding

    /// Reads and validates the preamble and JSON header of an open file.
    static func readHeader(from file: ReadableFile) throws(StoreError) -> VisualFileHeader {
        let path = file.path
        guard file.size >= self.preambleLength else {
            throw StoreError.damagedFile(path: path, reason: "file has \(file.size) bytes, too short for the preamble")
        }
        let preamble = try file.readBytes(count: self.preambleLength, offset: 0)
        guard Array(preamble[0..<4]) == self.magic else {
            throw StoreError.damagedFile(path: path, reason: "magic bytes are not 'JVIS'")
        }
        let version = Int(readUInt32(preamble, at: 4))
        guard version >= 1 else {
            throw StoreError.damagedFile(path: path, reason: "format version \(version) is invalid")
        }
        guard version <= self.version else {
            throw StoreError.unsupportedVersion(path: path, version: version, supportedVersion: self.version)
        }
        let headerLength = Int(readUInt32(preamble, at: 8))
        guard headerLength <= self.maxHeaderLength, self.preambleLength + headerLength <= file.size else {
            throw StoreError.damagedFile(
                path: path,
                reason: "header length \(headerLength) exceeds the file size \(file.size)"
            )
        }
        let headerBytes = try file.readBytes(count: headerLength, offset: self.preambleLength)
        let json: JSON
        do {
            json = try JSON.parse(headerBytes)
        } catch {
            throw StoreError.damagedFile(path: path, reason: "header is not valid JSON (\(error))")
        }
        var reader = HeaderFieldReader(json: json, path: path)
        return try reader.makeHeader(identity: file.identity, dataOffset: self.preambleLength + headerLength)
    }

    /// Reads the vectors of a file as Float32 after checking their checksum.
    static func readVectors(from file: ReadableFile, header: VisualFileHeader) throws(StoreError) -> [Float] {
        let count = header.frameCount * header.dimension
        var halves = [UInt16](repeating: 0, count: count)
        var failure: StoreError?
        halves.withUnsafeMutableBytes { buffer in
            do throws(StoreError) {
                try file.read(into: buffer, offset: header.vectorsOffset)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        let actual = halves.withUnsafeBytes(checksum64)
        guard actual == header.vectorsChecksum else {
            throw StoreError.damagedFile(path: file.path, reason: "vector checksum does not match")
        }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            halves.withUnsafeBufferPointer { source in
                Float16Conversion.convert(source.baseAddress!, into: buffer.baseAddress!, count: count)
            }
            initializedCount = count
        }
    }

    /// Reads every thumbnail of a file after checking their checksum.
    static func readThumbnails(from file: ReadableFile, header: VisualFileHeader) throws(StoreError) -> [[UInt8]] {
        let bytes = try file.readBytes(count: header.thumbnailsLength, offset: header.thumbnailsOffset)
        guard bytes.withUnsafeBytes(checksum64) == header.thumbnailsChecksum else {
            throw StoreError.damagedFile(path: file.path, reason: "thumbnail checksum does not match")
        }
        return zip(header.thumbnailOffsets, header.thumbnailLengths).map { offset, length in
            let start = offset - header.thumbnailsOffset
            return Array(bytes[start..<(start + length)])
        }
    }
}

func hexString(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

private func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

private func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { value, index in value | UInt32(bytes[offset + index]) << (8 * UInt32(index)) }
}
