import Foundation
import JumperCore

/// The `manifest.json` of an installed model folder: the model key, where the files came from
/// and the size and sha256 of every file.
///
/// `scripts/fetch-models.sh` writes the same shape for `label-bridge-384` (with `packages`
/// instead of `repository`), so one reader serves every model folder.
public struct ModelManifest: Sendable, Equatable {
    /// One file of the model folder.
    public struct File: Sendable, Equatable {
        public let name: String
        public let size: Int
        public let sha256: String
    }

    public static let fileName = "manifest.json"

    public let modelKey: String
    /// The vector length, or nil when the writer did not record it.
    public let dimension: Int?
    /// The origin of the files: a folder path, a download URL base or a build id.
    public let source: String
    public let files: [File]

    /// The total size of all listed files in bytes.
    public var totalSize: Int {
        self.files.reduce(0) { $0 + $1.size }
    }

    public init(modelKey: String, dimension: Int?, source: String, files: [File]) {
        self.modelKey = modelKey
        self.dimension = dimension
        self.source = source
        self.files = files
    }

    /// Reads `manifest.json` from a model folder.
    ///
    /// - Throws: `InferenceError.missingModelFile` or `.invalidModelFile`.
    public static func read(directory: String) throws -> ModelManifest {
        let folder = ModelFolder(directory: directory)
        let json = try folder.readJSON(Self.fileName)
        guard let key = json["model_key"]?.stringValue else {
            throw InferenceError.invalidModelFile(path: folder.path(Self.fileName), reason: "model_key is missing")
        }
        var files: [File] = []
        for entry in json["files"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, let size = entry["size"]?.intValue,
                let sha256 = entry["sha256"]?.stringValue
            else {
                throw InferenceError.invalidModelFile(path: folder.path(Self.fileName), reason: "a files entry lacks name, size or sha256")
            }
            files.append(File(name: name, size: size, sha256: sha256))
        }
        return ModelManifest(
            modelKey: key,
            dimension: json["dimension"]?.intValue,
            source: json["source"]?.stringValue ?? "",
            files: files
        )
    }

    /// Builds a manifest listing every regular file of `directory` except the manifest itself,
    /// sorted by name, hashing each file.
    static func describing(directory: String, modelKey: String, dimension: Int?, source: String) throws -> ModelManifest {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var files: [File] = []
        for name in names where name != Self.fileName && !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            files.append(File(name: name, size: size, sha256: try SHA256.hex(ofFileAt: path)))
        }
        return ModelManifest(modelKey: modelKey, dimension: dimension, source: source, files: files)
    }

    /// Returns the manifest as JSON in the layout `scripts/fetch-models.sh` writes.
    public func json() -> JSON {
        var object = JSONObject()
        object["model_key"] = .string(self.modelKey)
        object["dimension"] = self.dimension.map { .number(Double($0)) } ?? .null
        object["source"] = .string(self.source)
        object["files"] = .array(
            self.files.map { file in
                var entry = JSONObject()
                entry["name"] = .string(file.name)
                entry["size"] = .number(Double(file.size))
                entry["sha256"] = .string(file.sha256)
                return .object(entry)
            }
        )
        return .object(object)
    }

    /// Writes the manifest into `directory`.
    func write(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        try Data(self.json().serialized()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Checks that every listed file exists with its size and, when `checkingContents`, its sha256.
    ///
    /// - Throws: `InferenceError.invalidModelFile` naming the first file that differs.
    public func verify(directory: String, checkingContents: Bool = true) throws {
        for file in self.files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
                throw InferenceError.missingModelFile(path: path)
            }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            guard size == file.size else {
                throw InferenceError.invalidModelFile(path: path, reason: "size is \(size) bytes, the manifest lists \(file.size)")
            }
            if checkingContents {
                let digest = try SHA256.hex(ofFileAt: path)
                guard digest == file.sha256 else {
                    throw InferenceError.invalidModelFile(path: path, reason: "sha256 is \(digest), the manifest lists \(file.sha256)")
                }
            }
        }
    }
}
