import Faces
import Foundation
import JumperCore

/// The face model (dlib's detector, shape predictor and 128-D ResNet) and its loaded engine.
///
/// The engine loads on first use, on the thread that needs it (the analysis thread), and
/// stays loaded for later tasks.
public final class FaceModels: @unchecked Sendable {
    /// The only face model key.
    public static let modelKey = FaceEngine.modelKey
    /// Dimension of the face embeddings.
    public static let embeddingDimension = FaceEngine.embeddingDimension

    public let modelsDirectory: String
    private let logger: Logger
    // The condition's lock protects `loaded` and `isLoading`.
    private let condition = NSCondition()
    private var loaded: FaceEngine?
    private var isLoading = false

    public init(modelsDirectory: String, logger: Logger) {
        self.modelsDirectory = modelsDirectory
        self.logger = logger
    }

    /// The folder that contains the three dlib model files.
    public var folder: String {
        (self.modelsDirectory as NSString).appendingPathComponent(Self.modelKey)
    }

    /// Returns whether all three model files are on disk.
    public var isDownloaded: Bool {
        [FaceEngine.detectorFileName, FaceEngine.shapePredictorFileName, FaceEngine.embedderFileName].allSatisfy {
            FileManager.default.fileExists(atPath: (self.folder as NSString).appendingPathComponent($0))
        }
    }

    /// The loaded model key (nil when none is loaded) and whether a load is under way.
    public var state: (modelKey: String?, isLoading: Bool) {
        self.condition.lock()
        defer { self.condition.unlock() }
        return (self.loaded == nil ? nil : Self.modelKey, self.isLoading)
    }

    /// Returns the engine, loading it first when needed; blocks while it loads (about a second).
    ///
    /// - Throws: `ModelError.notInstalled` when a model file is missing, `.loadFailed` when
    ///   dlib rejects one.
    public func engine() throws(ModelError) -> FaceEngine {
        self.condition.lock()
        while self.isLoading {
            self.condition.wait()
        }
        if let loaded = self.loaded {
            self.condition.unlock()
            return loaded
        }
        guard self.isDownloaded else {
            self.condition.unlock()
            throw .notInstalled(key: Self.modelKey, folder: self.folder)
        }
        self.isLoading = true
        self.condition.unlock()

        // loaded outside the lock so `state` can report the load while it runs
        let result = Result { try FaceEngine.load(modelsDirectory: self.folder, logger: self.logger) }
        self.condition.lock()
        self.isLoading = false
        if case .success(let engine) = result {
            self.loaded = engine
        }
        self.condition.broadcast()
        self.condition.unlock()

        switch result {
        case .success(let engine):
            return engine
        case .failure(let error):
            self.logger.error("face model failed to load", ["model.key": Self.modelKey, "error": String(describing: error)])
            throw .loadFailed(key: Self.modelKey, reason: String(describing: error))
        }
    }
}
