import Foundation
import JumperCore

/// One analysis stored in a media folder, as the manifest lists it.
public struct AnalysisRecord: Sendable, Equatable {
    /// Analysis kind: `visual` today; `speech` and `faces` use the same record.
    public var kind: String
    public var modelKey: String
    /// File name inside the media folder (`visual.jvis`).
    public var file: String
    public var createdAt: Date

    public init(kind: String, modelKey: String, file: String, createdAt: Date) {
        self.kind = kind
        self.modelKey = modelKey
        self.file = file
        self.createdAt = createdAt
    }
}

/// The `manifest.json` of one media folder: which file the analyses came from and which
/// analyses exist. Paths are informative only, since the folder is keyed by content hash
/// and the same file may sit at different paths on different machines.
public struct MediaManifest: Sendable, Equatable {
    public static let fileName = "manifest.json"
    static let formatName = "jumper-media-manifest"
    static let version = 1

    public var hashString: String
    /// Every absolute path the media was seen at, oldest first, without repeats.
    public var sourcePaths: [String]
    /// The path the media was last seen at.
    public var lastSourcePath: String
    /// File size in bytes.
    public var fileSize: Int
    /// Duration in seconds.
    public var duration: Double
    /// `video`, `audio` or `image`.
    public var mediaType: String
    /// Stored analyses by kind.
    public var analyses: [String: AnalysisRecord]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        hashString: String,
        sourcePath: String,
        fileSize: Int,
        duration: Double,
        mediaType: String,
        createdAt: Date
    ) {
        self.hashString = hashString
        self.sourcePaths = [sourcePath]
        self.lastSourcePath = sourcePath
        self.fileSize = fileSize
        self.duration = duration
        self.mediaType = mediaType
        self.analyses = [:]
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Records that the media was seen at `path`, keeping every earlier path.
    public mutating func recordSourcePath(_ path: String) {
        if !self.sourcePaths.contains(path) {
            self.sourcePaths.append(path)
        }
        self.lastSourcePath = path
    }

    // MARK: - JSON

    /// Encodes the manifest as JSON with snake_case keys.
    func serialized() -> [UInt8] {
        var analyses = JSONObject()
        for kind in self.analyses.keys.sorted() {
            let record = self.analyses[kind]!
            analyses[kind] = [
                "kind": .string(record.kind),
                "model_key": .string(record.modelKey),
                "file": .string(record.file),
                "created_at": .string(formatISO8601(record.createdAt)),
            ]
        }
        let json: JSON = [
            "format": .string(Self.formatName),
            "version": JSON(Self.version),
            "hash_str": .string(self.hashString),
            "last_source_path": .string(self.lastSourcePath),
            "source_paths": .array(self.sourcePaths.map { .string($0) }),
            "file_size": JSON(self.fileSize),
            "duration": JSON(self.duration),
            "media_type": .string(self.mediaType),
            "analyses": .object(analyses),
            "created_at": .string(formatISO8601(self.createdAt)),
            "updated_at": .string(formatISO8601(self.updatedAt)),
        ]
        return json.serialized()
    }

    /// Parses a manifest, throwing `StoreError.damagedManifest` naming `path` when the JSON
    /// or a field is invalid.
    static func parse(_ bytes: [UInt8], path: String) throws(StoreError) -> MediaManifest {
        func damaged(_ reason: String) -> StoreError {
            StoreError.damagedManifest(path: path, reason: reason)
        }
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            throw damaged("not valid JSON (\(error))")
        }
        guard json["format"]?.stringValue == Self.formatName else {
            throw damaged("field 'format' is not '\(Self.formatName)'")
        }
        guard let hashString = json["hash_str"]?.stringValue,
            let lastSourcePath = json["last_source_path"]?.stringValue,
            let sourcePaths = json["source_paths"]?.arrayValue?.compactMap(\.stringValue),
            let fileSize = json["file_size"]?.intValue,
            let duration = json["duration"]?.doubleValue,
            let mediaType = json["media_type"]?.stringValue,
            let analysesObject = json["analyses"]?.objectValue,
            let createdAt = json["created_at"]?.stringValue.flatMap(parseISO8601),
            let updatedAt = json["updated_at"]?.stringValue.flatMap(parseISO8601)
        else {
            throw damaged("a required field is missing or has the wrong type")
        }

        var manifest = MediaManifest(
            hashString: hashString,
            sourcePath: lastSourcePath,
            fileSize: fileSize,
            duration: duration,
            mediaType: mediaType,
            createdAt: createdAt
        )
        manifest.sourcePaths = sourcePaths.contains(lastSourcePath) ? sourcePaths : sourcePaths + [lastSourcePath]
        manifest.updatedAt = updatedAt
        for (kind, value) in analysesObject.pairs {
            guard let modelKey = value["model_key"]?.stringValue,
                let file = value["file"]?.stringValue,
                let recordCreatedAt = value["created_at"]?.stringValue.flatMap(parseISO8601)
            else {
                throw damaged("analysis '\(kind)' lacks 'model_key', 'file' or 'created_at'")
            }
            manifest.analyses[kind] = AnalysisRecord(
                kind: value["kind"]?.stringValue ?? kind,
                modelKey: modelKey,
                file: file,
                createdAt: recordCreatedAt
            )
        }
        return manifest
    }
}

/// Formats a date as ISO 8601 in UTC with milliseconds (`2026-12-04T16:37:00.123Z`).
///
/// Milliseconds are rounded, not truncated, so a date parsed by `parseISO8601` formats
/// back to the same text and manifest dates do not drift across rewrites.
public func formatISO8601(_ date: Date) -> String {
    let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    var seconds = time_t(totalMilliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
    var milliseconds = Int(totalMilliseconds % 1000)
    if milliseconds < 0 {
        seconds -= 1
        milliseconds += 1000
    }
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return String(
        format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
        Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
        Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), milliseconds
    )
}

/// Parses an ISO 8601 date with or without fractional seconds, rounded to milliseconds.
public func parseISO8601(_ text: String) -> Date? {
    let date = (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    guard let date else { return nil }
    return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}
