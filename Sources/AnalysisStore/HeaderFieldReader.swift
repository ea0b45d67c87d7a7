import JumperCore

/// Reads typed fields from a parsed `visual.jvis` JSON header, turning every missing or
/// inconsistent field into `StoreError.damagedFile` naming the file and the field.
struct HeaderFieldReader {
    let json: JSON
    let path: String

    /// Largest dimension and frame count accepted, so size arithmetic cannot overflow:
    /// 10 million frames is about 116 days at one frame per second.
    static let maxDimension = 65_536
    static let maxFrameCount = 10_000_000

    private func damaged(_ reason: String) -> StoreError {
        StoreError.damagedFile(path: self.path, reason: reason)
    }

    func string(_ key: String) throws(StoreError) -> String {
        guard let value = self.json[key]?.stringValue else {
            throw self.damaged("header field '\(key)' is missing or not a string")
        }
        return value
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(StoreError) -> Int {
        guard let value = self.json[key]?.intValue else {
            throw self.damaged("header field '\(key)' is missing or not an integer")
        }
        guard range.contains(value) else {
            throw self.damaged("header field '\(key)' is \(value), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func number(_ key: String) throws(StoreError) -> Double {
        guard let value = self.json[key]?.doubleValue, value.isFinite else {
            throw self.damaged("header field '\(key)' is missing or not a number")
        }
        return value
    }

    func numbers(_ key: String, count: Int?) throws(StoreError) -> [Double] {
        guard let elements = self.json[key]?.arrayValue else {
            throw self.damaged("header field '\(key)' is missing or not an array")
        }
        if let count, elements.count != count {
            throw self.damaged("header field '\(key)' has \(elements.count) entries, expected \(count)")
        }
        var values: [Double] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard let value = element.doubleValue, value.isFinite else {
                throw self.damaged("header field '\(key)' contains a value that is not a number")
            }
            values.append(value)
        }
        return values
    }

    func integers(_ key: String, count: Int, in range: ClosedRange<Int>) throws(StoreError) -> [Int] {
        guard let elements = self.json[key]?.arrayValue, elements.count == count else {
            throw self.damaged("header field '\(key)' is missing or does not have \(count) entries")
        }
        var values: [Int] = []
        values.reserveCapacity(count)
        for element in elements {
            guard let value = element.intValue, range.contains(value) else {
                throw self.damaged("header field '\(key)' contains a value that is not an integer in \(range)")
            }
            values.append(value)
        }
        return values
    }

    func checksum(_ key: String) throws(StoreError) -> UInt64 {
        let text = try self.string(key)
        guard text.utf8.count == 16, let value = UInt64(text, radix: 16) else {
            throw self.damaged("header field '\(key)' is not 16 hex digits")
        }
        return value
    }

    /// Builds the header, checking that every section length adds up to the file size.
    mutating func makeHeader(identity: FileIdentity, dataOffset: Int) throws(StoreError) -> VisualFileHeader {
        guard try self.string("format") == VisualFileFormat.formatName else {
            throw self.damaged("header field 'format' is not '\(VisualFileFormat.formatName)'")
        }
        guard try self.string("vector_encoding") == VisualFileFormat.vectorEncoding else {
            throw self.damaged("header field 'vector_encoding' is not '\(VisualFileFormat.vectorEncoding)'")
        }
        let dimension = try self.integer("dimension", in: 1...Self.maxDimension)
        let frameCount = try self.integer("frame_count", in: 1...Self.maxFrameCount)
        let frameTimes = try self.numbers("frame_times", count: frameCount)
        let sceneStarts = try self.numbers("scene_starts", count: nil)
        guard sceneStarts.first == 0, zip(sceneStarts, sceneStarts.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw self.damaged("header field 'scene_starts' does not start at 0 or is not strictly increasing")
        }
        let thumbnailsLength = try self.integer("thumbnails_length", in: 0...identity.size)
        let thumbnailLengths = try self.integers("thumbnail_lengths", count: frameCount, in: 0...thumbnailsLength)
        // `&+` wraps instead of trapping, so absurd lengths in a crafted file cannot crash the reader
        let thumbnailLengthSum = thumbnailLengths.reduce(0) { $0 &+ $1 }
        guard thumbnailLengthSum == thumbnailsLength else {
            throw self.damaged("thumbnail lengths do not add up to 'thumbnails_length' \(thumbnailsLength)")
        }

        let vectorsLength = frameCount * dimension * 2
        let expectedSize = dataOffset + vectorsLength + thumbnailsLength
        guard identity.size == expectedSize else {
            throw self.damaged(
                "file has \(identity.size) bytes but its header describes \(expectedSize) (truncated or padded)"
            )
        }
        let thumbnailsOffset = dataOffset + vectorsLength
        var thumbnailOffsets: [Int] = []
        thumbnailOffsets.reserveCapacity(frameCount)
        var offset = thumbnailsOffset
        for length in thumbnailLengths {
            thumbnailOffsets.append(offset)
            offset += length
        }

        return VisualFileHeader(
            path: self.path,
            identity: identity,
            hashString: try self.string("hash_str"),
            sourcePath: try self.string("source_path"),
            modelKey: try self.string("model_key"),
            dimension: dimension,
            frameCount: frameCount,
            duration: try self.number("duration"),
            frameTimes: frameTimes,
            sceneStarts: sceneStarts,
            createdAt: try self.string("created_at"),
            vectorsOffset: dataOffset,
            vectorsChecksum: try self.checksum("vectors_checksum"),
            thumbnailsOffset: thumbnailsOffset,
            thumbnailsLength: thumbnailsLength,
            thumbnailsChecksum: try self.checksum("thumbnails_checksum"),
            thumbnailLengths: thumbnailLengths,
            thumbnailOffsets: thumbnailOffsets
        )
    }
}
