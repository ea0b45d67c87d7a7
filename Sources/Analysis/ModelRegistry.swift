import Foundation
import Inference
import JumperCore

/// An error about model keys and model loading.
public enum ModelError: Error, CustomStringConvertible, Sendable {
    case unknownKey(kind: String, key: String, valid: [String])
    case notInstalled(key: String, folder: String)
    case loading(key: String)
    case loadFailed(key: String, reason: String)

    public var description: String {
        switch self {
        case .unknownKey(let kind, let key, let valid):
            "unknown \(kind) model '\(key)'; valid keys: \(valid.joined(separator: ", "))"
        case .notInstalled(let key, let folder) where ModelRegistry.visualKeys.dropFirst().contains(key):
            "model '\(key)' is not installed (no weights in '\(folder)'); install it with 'jumper models install \(key) --from FOLDER' or 'jumper models download \(key)'"
        case .notInstalled(let key, let folder):
            "model '\(key)' is not installed (no weights in '\(folder)'); run 'make models', or start the server with --models-dir pointing at the installed models"
        case .loading(let key):
            "model '\(key)' is still loading; retry in a few seconds"
        case .loadFailed(let key, let reason):
            "model '\(key)' failed to load: \(reason)"
        }
    }
}

/// A registry of the visual models this server supports, the active one and the loaded instance.
///
/// Loading happens on a background thread; `visualModel(key:waitIfLoading:)` either waits for it
/// (the analysis thread) or throws `ModelError.loading` (HTTP handlers, which respond with 503).
public final class ModelRegistry: @unchecked Sendable {
    /// Every visual model key of the contract, the default first.
    public static let visualKeys = ["label-bridge-384", "clip-vit-b-32", "siglip-base-16-256"]
    public static let defaultVisualKey = "label-bridge-384"

    public let modelsDirectory: String
    private let logger: Logger
    // The condition's lock protects every field below.
    private let condition = NSCondition()
    private var activeVisualKey = ModelRegistry.defaultVisualKey
    /// Every model loaded so far, by key; a search may name a model other than the active one.
    private var loadedVisual: [String: any VisualEmbeddingModel] = [:]
    private var loadingVisualKeys: Set<String> = []
    private var loadErrors: [String: ModelError] = [:]

    public init(modelsDirectory: String, logger: Logger) {
        self.modelsDirectory = modelsDirectory
        self.logger = logger
    }

    /// Maps a requested key to a known one: nil means the active model, and Jumper's own
    /// `v1-*`/`v2-*` keys are aliases of the default model.
    public func resolveVisualKey(_ requested: String?) throws(ModelError) -> String {
        guard let requested, !requested.isEmpty else { return self.activeKey }
        if Self.visualKeys.contains(requested) { return requested }
        if requested.hasPrefix("v1-") || requested.hasPrefix("v2-") { return Self.defaultVisualKey }
        throw .unknownKey(kind: "visual", key: requested, valid: Self.visualKeys)
    }

    /// Returns the folder that contains a model's weights.
    public func folder(forKey key: String) -> String {
        (self.modelsDirectory as NSString).appendingPathComponent(key)
    }

    /// Returns whether a model's weights are on disk.
    public func isDownloaded(key: String) -> Bool {
        let manifest = (self.folder(forKey: key) as NSString).appendingPathComponent("manifest.json")
        return FileManager.default.fileExists(atPath: manifest)
    }

    public var activeKey: String {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.activeVisualKey
    }

    /// The active model's key when it is loaded (nil otherwise) and whether it is loading.
    public var visualState: (modelKey: String?, isLoading: Bool) {
        self.condition.lock()
        defer { self.condition.unlock() }
        let key = self.activeVisualKey
        return (self.loadedVisual[key] != nil ? key : nil, self.loadingVisualKeys.contains(key))
    }

    /// Starts loading a model on a background thread and makes it the active one.
    public func startLoading(key: String) {
        self.condition.lock()
        self.activeVisualKey = key
        self.condition.unlock()
        self.loadInBackground(key: key)
    }

    /// Returns the loaded model for `key`, loading it first when needed.
    ///
    /// With `waitIfLoading` false, a load under way throws `ModelError.loading` instead of blocking.
    public func visualModel(key: String, waitIfLoading: Bool) throws(ModelError) -> any VisualEmbeddingModel {
        guard self.isDownloaded(key: key) else {
            throw .notInstalled(key: key, folder: self.folder(forKey: key))
        }
        self.loadInBackground(key: key)
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.loadingVisualKeys.contains(key) {
            guard waitIfLoading else { throw .loading(key: key) }
            self.condition.wait()
        }
        if let model = self.loadedVisual[key] {
            return model
        }
        throw self.loadErrors[key] ?? .loading(key: key)
    }

    /// Starts a load thread unless the model is loaded or loading.
    private func loadInBackground(key: String) {
        self.condition.lock()
        guard self.loadedVisual[key] == nil, !self.loadingVisualKeys.contains(key) else {
            self.condition.unlock()
            return
        }
        self.loadingVisualKeys.insert(key)
        self.loadErrors[key] = nil
        self.condition.unlock()

        let thread = Thread { [self] in
            self.performLoad(key: key)
        }
        thread.name = "model-load"
        thread.start()
    }

    private func performLoad(key: String) {
        let started = Date()
        var loaded: (any VisualEmbeddingModel)?
        var failure: ModelError?
        if !self.isDownloaded(key: key) {
            failure = .notInstalled(key: key, folder: self.folder(forKey: key))
        } else {
            do {
                loaded = try VisualModelLoader.load(key: key, from: self.folder(forKey: key), logger: self.logger)
            } catch {
                failure = .loadFailed(key: key, reason: String(describing: error))
            }
        }

        self.condition.lock()
        if let loaded {
            self.loadedVisual[key] = loaded
            self.logger.info(
                "visual model loaded",
                ["model.key": key, "duration.ms": String(Int(Date().timeIntervalSince(started) * 1000))]
            )
        } else if let failure {
            self.loadErrors[key] = failure
            self.logger.error("visual model failed to load", ["model.key": key, "error": failure.description])
        }
        self.loadingVisualKeys.remove(key)
        self.condition.broadcast()
        self.condition.unlock()
    }
}

extension ModelRegistry {
    /// Returns the bytes of a model's weights on disk, or nil when it is not downloaded.
    public func folderSize(key: String) -> Int? {
        let folder = self.folder(forKey: key)
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: folder) else { return nil }
        var total = 0
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue
            total += size ?? 0
        }
        return total
    }
}
