import Foundation
import JumperCore
import Speech

/// The speech models this server supports, and the loaded engine.
///
/// An engine loads on first use, on the thread that needs it (the analysis thread), and stays
/// loaded until another model is requested.
public final class SpeechModels: @unchecked Sendable {
    /// Every speech model key, the default first.
    public static let keys = ["whisper-base", "whisper-small", "whisper-tiny-en"]
    public static let defaultKey = "whisper-base"

    public let modelsDirectory: String
    private let logger: Logger
    // The lock protects `loaded` and `loadingKey`.
    private let lock = NSLock()
    private var loaded: (key: String, engine: SpeechEngine)?
    private var loadingKey: String?

    public init(modelsDirectory: String, logger: Logger) {
        self.modelsDirectory = modelsDirectory
        self.logger = logger
    }

    /// Maps a requested key to a known one: nil means the default, and Jumper's own `mlx-*` and
    /// other `whisper-*` keys are aliases of the default model.
    public func resolveKey(_ requested: String?) throws(ModelError) -> String {
        guard let requested, !requested.isEmpty else { return Self.defaultKey }
        if Self.keys.contains(requested) { return requested }
        if requested.hasPrefix("mlx-") || requested.hasPrefix("whisper-") { return Self.defaultKey }
        throw .unknownKey(kind: "speech", key: requested, valid: Self.keys)
    }

    /// Returns whether a speech model's weights are on disk.
    public func isDownloaded(key: String) -> Bool {
        let manifest = (self.modelsDirectory as NSString).appendingPathComponent("\(key)/manifest.json")
        return FileManager.default.fileExists(atPath: manifest)
    }

    /// The loaded model key (nil when none) and whether a load is under way.
    public var state: (modelKey: String?, isLoading: Bool) {
        self.lock.withLock { (self.loaded?.key, self.loadingKey != nil) }
    }

    /// Returns the engine for `key`, loading it first when needed; blocks while it loads.
    public func engine(key: String) throws -> SpeechEngine {
        if let loaded = self.lock.withLock({ self.loaded }), loaded.key == key {
            return loaded.engine
        }
        guard self.isDownloaded(key: key) else {
            throw ModelError.notInstalled(key: key, folder: (self.modelsDirectory as NSString).appendingPathComponent(key))
        }
        self.lock.withLock { self.loadingKey = key }
        defer { self.lock.withLock { self.loadingKey = nil } }
        let engine = try SpeechEngine.load(modelKey: key, modelsDirectory: self.modelsDirectory, logger: self.logger)
        self.lock.withLock { self.loaded = (key, engine) }
        return engine
    }
}
