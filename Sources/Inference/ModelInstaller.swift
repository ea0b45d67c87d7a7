import Foundation
import JumperCore

/// Installs CLIP and SigLIP checkpoints into the models folder, from a local Hugging Face
/// checkpoint folder or from a download mirror.
///
/// A model lands in `<models>/<key>/` with a `manifest.json` of file sizes and sha256. The
/// folder is assembled under a hidden temporary name, loaded once to prove that the weights
/// fit the architecture, and renamed into place, so readers never see a half-installed model.
/// An existing installation is replaced only after the new one has loaded.
public struct ModelInstaller: Sendable {
    /// The default mirror: the Hugging Face hub, files at `{base}/{repo}/resolve/main/{file}`.
    public static let huggingFaceBaseURL = URL(string: "https://huggingface.co")!

    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Validates and copies a user's Hugging Face checkpoint folder into `<models>/<key>/`.
    ///
    /// - Parameters:
    ///   - key: `clip-vit-b-32` or `siglip-base-16-256`.
    ///   - folder: The checkpoint folder holding `config.json`, `model.safetensors` and the
    ///     tokenizer files.
    ///   - modelsDirectory: The models folder; created when missing.
    /// - Returns: The manifest written next to the files.
    /// - Throws: `InferenceError.unknownModelKey`, `.missingModelFile` for a required file that
    ///   is absent, `.invalidModelFile` or `.tensorShapeMismatch` when the checkpoint does not
    ///   load, or a file system error.
    /// Blocks for as long as copying, hashing and loading take (seconds for a 600 MB checkpoint).
    @discardableResult
    public func install(key: String, fromFolder folder: String, modelsDirectory: String) throws -> ModelManifest {
        let model = try InstallableModel.named(key)
        let logger = self.logger.with("model.key", key)
        for file in model.files where file.isRequired {
            let path = (folder as NSString).appendingPathComponent(file.name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw InferenceError.missingModelFile(path: path)
            }
        }

        let staging = try Self.makeStagingDirectory(key: key, modelsDirectory: modelsDirectory)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        for file in model.files {
            let source = (folder as NSString).appendingPathComponent(file.name)
            guard FileManager.default.fileExists(atPath: source) else { continue }
            try FileManager.default.copyItem(atPath: source, toPath: (staging as NSString).appendingPathComponent(file.name))
        }
        let manifest = try self.finish(
            key: key,
            staging: staging,
            source: URL(fileURLWithPath: folder).standardizedFileURL.path,
            modelsDirectory: modelsDirectory
        )
        logger.info("model installed", ["model.path": folder, "size.bytes": "\(manifest.totalSize)"])
        return manifest
    }

    /// Loads the staged model to validate it, writes its manifest and renames it into place.
    func finish(key: String, staging: String, source: String, modelsDirectory: String) throws -> ModelManifest {
        let model = try VisualModelLoader.load(key: key, from: staging, logger: self.logger)
        let manifest = try ModelManifest.describing(directory: staging, modelKey: key, dimension: model.dimension, source: source)
        try manifest.write(directory: staging)
        try Self.moveIntoPlace(staging: staging, target: Self.modelDirectory(key: key, modelsDirectory: modelsDirectory))
        return manifest
    }

    /// Returns `<models>/<key>`.
    public static func modelDirectory(key: String, modelsDirectory: String) -> String {
        (modelsDirectory as NSString).appendingPathComponent(key)
    }

    static func makeStagingDirectory(key: String, modelsDirectory: String) throws -> String {
        let staging = (modelsDirectory as NSString).appendingPathComponent(".\(key).install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        return staging
    }

    /// Renames `staging` to `target`, moving an existing `target` aside first and deleting it
    /// once the new folder is in place.
    static func moveIntoPlace(staging: String, target: String) throws {
        let manager = FileManager.default
        var previous: String?
        if manager.fileExists(atPath: target) {
            let aside = (target as NSString).deletingLastPathComponent + "/.\((target as NSString).lastPathComponent).old-\(UUID().uuidString)"
            try manager.moveItem(atPath: target, toPath: aside)
            previous = aside
        }
        do {
            try manager.moveItem(atPath: staging, toPath: target)
        } catch {
            if let previous {
                try? manager.moveItem(atPath: previous, toPath: target)
            }
            throw error
        }
        if let previous {
            try? manager.removeItem(atPath: previous)
        }
    }
}
