import Foundation
import JumperCore

/// The faces found in one media file, as stored in its cache folder (`faces.jsonl`).
///
/// The file is JSON Lines: the first line is a header object, each further line one face as
/// `FaceRecord.json()` writes it, crop included. The header alone gives the counts, so
/// listing analyses reads one line instead of every crop.
///
/// Header fields: `format` (`jumper-face-analysis`), `version` (1), `hash_str`, `source_path`,
/// `model_key`, `detector`, `min_face_size` (pixels of the displayed frame), `frame_width`
/// and `frame_height` (the displayed frame, which boxes are in), `frame_count` (frames
/// examined), `face_count` and `created_at` (ISO 8601).
public struct FaceAnalysis: Sendable, Equatable {
    /// File name inside the media's cache folder.
    public static let fileName = "faces.jsonl"
    /// Analysis kind in the manifest.
    public static let kind = "faces"
    static let formatName = "jumper-face-analysis"
    static let version = 1

    public var hashString: String
    public var sourcePath: String
    public var modelKey: String
    /// `hog` or `cnn`.
    public var detector: String
    /// Smallest face kept, in pixels of the displayed frame.
    public var minFaceSize: Int
    /// Size of the displayed frame that boxes refer to.
    public var frameWidth: Int
    public var frameHeight: Int
    /// Number of one-per-second frames examined, with or without faces.
    public var frameCount: Int
    /// The faces, in frame order; `cropJPEG` is set, `clusterID` is nil.
    public var faces: [FaceRecord]

    public init(
        hashString: String,
        sourcePath: String,
        modelKey: String,
        detector: String,
        minFaceSize: Int,
        frameWidth: Int,
        frameHeight: Int,
        frameCount: Int,
        faces: [FaceRecord]
    ) {
        self.hashString = hashString
        self.sourcePath = sourcePath
        self.modelKey = modelKey
        self.detector = detector
        self.minFaceSize = minFaceSize
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.frameCount = frameCount
        self.faces = faces
    }

    /// Returns the id of the `number`-th face (0-based) of a frame: unique per media file
    /// and stable across re-analysis, so collections and clients can name faces.
    public static func faceID(hashString: String, frameIndex: Int, number: Int) -> String {
        "\(hashString)-f\(frameIndex)-\(number)"
    }

    /// The header line of a stored face analysis.
    public struct Header: Sendable, Equatable {
        public var hashString: String
        public var modelKey: String
        public var frameCount: Int
        public var faceCount: Int
    }

    // MARK: - Encoding

    /// Encodes the analysis as the complete file content.
    public func encoded(createdAt: Date = Date()) -> [UInt8] {
        var header = JSONObject()
        header["format"] = .string(Self.formatName)
        header["version"] = .number(Double(Self.version))
        header["hash_str"] = .string(self.hashString)
        header["source_path"] = .string(self.sourcePath)
        header["model_key"] = .string(self.modelKey)
        header["detector"] = .string(self.detector)
        header["min_face_size"] = .number(Double(self.minFaceSize))
        header["frame_width"] = .number(Double(self.frameWidth))
        header["frame_height"] = .number(Double(self.frameHeight))
        header["frame_count"] = .number(Double(self.frameCount))
        header["face_count"] = .number(Double(self.faces.count))
        header["created_at"] = .string(ISO8601DateFormatter().string(from: createdAt))
        var bytes = JSON.object(header).serialized()
        bytes.append(0x0A)
        for face in self.faces {
            // serialized JSON escapes newlines inside strings, so each face stays on one line
            bytes += face.json().serialized()
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Decodes a whole file written by `encoded(createdAt:)`.
    ///
    /// - Throws: `FacesError.invalidJSON` naming the line and field at fault.
    public static func decode(_ bytes: [UInt8]) throws(FacesError) -> FaceAnalysis {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
        guard let first = lines.first else {
            throw .invalidJSON(field: "line 1", expected: "a face analysis header, but the file is empty")
        }
        let header = try Self.parseObject(first, line: 1)
        let summary = try Self.readHeader(header)
        func field<T>(_ name: String, _ read: (JSON) -> T?) throws(FacesError) -> T {
            guard let value = header[name], let typed = read(value) else {
                throw .invalidJSON(field: "header.\(name)", expected: "a value of the right type")
            }
            return typed
        }
        var faces: [FaceRecord] = []
        faces.reserveCapacity(lines.count - 1)
        for (offset, line) in lines.dropFirst().enumerated() {
            faces.append(try FaceRecord(json: try Self.parseObject(line, line: offset + 2)))
        }
        guard faces.count == summary.faceCount else {
            throw .invalidJSON(
                field: "header.face_count",
                expected: "\(faces.count), the number of face lines (the file is truncated or damaged)"
            )
        }
        return FaceAnalysis(
            hashString: summary.hashString,
            sourcePath: try field("source_path", \.stringValue),
            modelKey: summary.modelKey,
            detector: try field("detector", \.stringValue),
            minFaceSize: try field("min_face_size", \.intValue),
            frameWidth: try field("frame_width", \.intValue),
            frameHeight: try field("frame_height", \.intValue),
            frameCount: summary.frameCount,
            faces: faces
        )
    }

    /// Decodes the header line alone, from the start of a file.
    public static func decodeHeader(_ firstLine: some Collection<UInt8>) throws(FacesError) -> Header {
        try Self.readHeader(try Self.parseObject(firstLine, line: 1))
    }

    private static func readHeader(_ header: JSON) throws(FacesError) -> Header {
        guard header["format"]?.stringValue == Self.formatName else {
            throw .invalidJSON(field: "header.format", expected: "'\(Self.formatName)'")
        }
        guard let version = header["version"]?.intValue, version <= Self.version else {
            throw .invalidJSON(field: "header.version", expected: "a format version up to \(Self.version)")
        }
        guard let hashString = header["hash_str"]?.stringValue,
            let modelKey = header["model_key"]?.stringValue,
            let frameCount = header["frame_count"]?.intValue,
            let faceCount = header["face_count"]?.intValue
        else {
            throw .invalidJSON(field: "header", expected: "an object with hash_str, model_key, frame_count and face_count")
        }
        return Header(hashString: hashString, modelKey: modelKey, frameCount: frameCount, faceCount: faceCount)
    }

    private static func parseObject(_ bytes: some Collection<UInt8>, line: Int) throws(FacesError) -> JSON {
        let value: JSON
        do {
            value = try JSON.parse(bytes)
        } catch {
            throw .invalidJSON(field: "line \(line)", expected: "a JSON object (\(error))")
        }
        guard value.objectValue != nil else {
            throw .invalidJSON(field: "line \(line)", expected: "a JSON object, not a \(value.typeName)")
        }
        return value
    }
}
