import Foundation
import JumperCore
import Speech

/// The speech models this server supports, the active one and the loaded engine.
///
/// An engine loads on first use, on the thread that needs it (the analysis thread), or in the
/// background after `startLoading(key:)`, and stays loaded until another model is loaded.
public final class SpeechModels: @unchecked Sendable {
    /// Every speech model key, the default first.
    public static let keys = ["whisper-base", "whisper-small", "whisper-tiny-en"]
    public static let defaultKey = "whisper-base"

    public let modelsDirectory: String
    private let logger: Logger
    // The condition's lock protects `activeModelKey`, `loaded` and `loadingKeys`.
    private let condition = NSCondition()
    private var activeModelKey = SpeechModels.defaultKey
    private var loaded: (key: String, engine: SpeechEngine)?
    private var loadingKeys: Set<String> = []

    public init(modelsDirectory: String, logger: Logger) {
        self.modelsDirectory = modelsDirectory
        self.logger = logger
    }

    /// Maps a requested key to a known one: nil or empty means the active model, and Jumper's
    /// own `mlx-*` and other `whisper-*` keys are aliases of the default model.
    public func resolveKey(_ requested: String?) throws(ModelError) -> String {
        guard let requested, !requested.isEmpty else { return self.activeKey }
        if Self.keys.contains(requested) { return requested }
        if requested.hasPrefix("mlx-") || requested.hasPrefix("whisper-") { return Self.defaultKey }
        throw .unknownKey(kind: "speech", key: requested, valid: Self.keys)
    }

    /// Returns whether a speech model's weights are on disk.
    public func isDownloaded(key: String) -> Bool {
        let manifest = (self.modelsDirectory as NSString).appendingPathComponent("\(key)/manifest.json")
        return FileManager.default.fileExists(atPath: manifest)
    }

    /// The key of the model that analysis uses when a request names none.
    public var activeKey: String {
        self.condition.withLock { self.activeModelKey }
    }

    /// The loaded model key (nil when none) and whether a load is under way.
    public var state: (modelKey: String?, isLoading: Bool) {
        self.condition.withLock { (self.loaded?.key, !self.loadingKeys.isEmpty) }
    }

    /// Makes `key` the active model and loads its engine on a background thread unless it is
    /// loaded or loading. A failed load is logged, and analysis that needs the model retries it.
    public func startLoading(key: String) {
        let needsLoad = self.condition.withLock {
            self.activeModelKey = key
            return self.loaded?.key != key && !self.loadingKeys.contains(key)
        }
        guard needsLoad else { return }

        let thread = Thread { [self] in
            do {
                _ = try self.engine(key: key)
            } catch {
                self.logger.error("speech model failed to load", ["model.key": key, "error": String(describing: error)])
            }
        }
        thread.name = "speech-model-load"
        thread.start()
    }

    /// Returns the engine for `key`, loading it first when needed. Blocks while the model loads,
    /// also when another thread started that load.
    public func engine(key: String) throws -> SpeechEngine {
        guard self.isDownloaded(key: key) else {
            let folder = (self.modelsDirectory as NSString).appendingPathComponent(key)
            throw ModelError.notInstalled(key: key, folder: folder)
        }
        self.condition.lock()
        while self.loadingKeys.contains(key) {
            self.condition.wait()
        }
        if let loaded = self.loaded, loaded.key == key {
            self.condition.unlock()
            return loaded.engine
        }
        self.loadingKeys.insert(key)
        self.condition.unlock()

        defer {
            self.condition.withLock {
                self.loadingKeys.remove(key)
                self.condition.broadcast()
            }
        }
        let engine = try SpeechEngine.load(modelKey: key, modelsDirectory: self.modelsDirectory, logger: self.logger)
        self.condition.withLock { self.loaded = (key, engine) }
        return engine
    }
}
