import AnalysisStore
import Foundation
import JumperCore

/// One watched folder and the analysis options its new files get, as `/watch-folders` shows it.
public struct WatchFolder: Sendable, Equatable {
    /// Identifier assigned by the store; ids are never reused.
    public var id: Int64
    /// Absolute path of the watched folder, without a trailing slash.
    public var path: String
    /// The `cache_dir` that the analysis of this folder's files goes to.
    public var cacheDirectory: String
    /// Whether files in subfolders are watched too.
    public var recursive = true
    public var visual = true
    public var speech = true
    public var faces = false
    public var clusterJobName = "default"
    /// Visual model key; nil means the server's active model at analysis time.
    public var visualModel: String?
    /// Speech model key; nil means the default speech model.
    public var speechModel: String?
    /// Speech language code, or `auto`.
    public var language = "auto"
    /// Extensions never analysed, compared case-insensitively with or without the dot.
    public var excludedExtensions: [String] = []
    /// `fnmatch` patterns matched against the file name only.
    public var excludedFilenameGlobs: [String] = []
    public var enabled = true
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64 = 0, path: String, cacheDirectory: String, createdAt: Date = Date()) {
        self.id = id
        self.path = path
        self.cacheDirectory = cacheDirectory
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Returns the folder with the contract's snake_case field names.
    public func json() -> JSON {
        var object = JSONObject()
        object["id"] = .number(Double(self.id))
        object["path"] = .string(self.path)
        object["cache_dir"] = .string(self.cacheDirectory)
        object["recursive"] = .bool(self.recursive)
        object["visual"] = .bool(self.visual)
        object["speech"] = .bool(self.speech)
        object["faces"] = .bool(self.faces)
        object["cluster_job_name"] = .string(self.clusterJobName)
        object["visual_model"] = JSON(self.visualModel)
        object["speech_model"] = JSON(self.speechModel)
        object["language"] = .string(self.language)
        object["excluded_extensions"] = .array(self.excludedExtensions.map { .string($0) })
        object["excluded_filename_globs"] = .array(self.excludedFilenameGlobs.map { .string($0) })
        object["enabled"] = .bool(self.enabled)
        object["created_at"] = .string(formatISO8601(self.createdAt))
        object["updated_at"] = .string(formatISO8601(self.updatedAt))
        return .object(object)
    }

    /// Reads a folder back from the JSON that `json()` wrote. Missing optional fields take
    /// their defaults, so rows written by an older build still load.
    ///
    /// - Throws: `WatchFolderError.damagedRecord` naming the missing field.
    public init(storedJSON json: JSON) throws(WatchFolderError) {
        guard let id = json["id"]?.intValue else {
            throw WatchFolderError.damagedRecord(field: "id", record: json.serializedString())
        }
        guard let path = json["path"]?.stringValue, let cacheDirectory = json["cache_dir"]?.stringValue else {
            throw WatchFolderError.damagedRecord(field: "path or cache_dir", record: json.serializedString())
        }
        let created = json["created_at"]?.stringValue.flatMap(parseISO8601) ?? Date()
        self.init(id: Int64(id), path: path, cacheDirectory: cacheDirectory, createdAt: created)
        self.updatedAt = json["updated_at"]?.stringValue.flatMap(parseISO8601) ?? created
        self.recursive = json["recursive"]?.boolValue ?? true
        self.visual = json["visual"]?.boolValue ?? true
        self.speech = json["speech"]?.boolValue ?? true
        self.faces = json["faces"]?.boolValue ?? false
        self.clusterJobName = json["cluster_job_name"]?.stringValue ?? "default"
        self.visualModel = json["visual_model"]?.stringValue
        self.speechModel = json["speech_model"]?.stringValue
        self.language = json["language"]?.stringValue ?? "auto"
        self.excludedExtensions = json["excluded_extensions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.excludedFilenameGlobs = json["excluded_filename_globs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.enabled = json["enabled"]?.boolValue ?? true
    }

    /// Returns `path` without trailing slashes, the form folder paths are stored and compared in.
    public static func normalizedPath(_ path: String) -> String {
        CacheDirectory.normalizedPath(path)
    }
}
