import Foundation
import JumperCore

extension LabelBridgeModel {
    /// File names inside the model folder, as `scripts/fetch-models.sh` writes them.
    enum FileName {
        static let imageWeights = "efficientnet-lite0.safetensors"
        static let textWeights = "all-minilm-l6-v2.safetensors"
        static let vocabulary = "vocab.txt"
        static let classes = "classes.json"
        static let manifest = "manifest.json"
    }

    /// The number of class prompts encoded per batch when computing the class embeddings.
    private static let promptBatchSize = 100

    /// Loads the model from a folder written by `scripts/fetch-models.sh`.
    ///
    /// The first load computes the 1000 class-prompt embeddings (about 3 s of CPU time in the
    /// release benchmark) and caches them in `class-embeddings.f32` in the same folder. Later
    /// loads read that file. When the folder is not writable, every load recomputes them.
    ///
    /// - Parameters:
    ///   - directory: The `label-bridge-384` folder.
    ///   - logger: Receives the load and precompute timings.
    /// - Throws: `InferenceError` naming the missing or invalid file or tensor.
    public static func load(from directory: String, logger: Logger) throws -> LabelBridgeModel {
        let logger = logger.with("model.key", Self.key)
        let started = Date()
        ModelFolder.configureBLASThreads(logger: logger)
        func path(_ name: String) -> String {
            (directory as NSString).appendingPathComponent(name)
        }

        let classNames = try Self.readClassNames(path: path(FileName.classes))
        let imageNetwork = try EfficientNetLite0(file: SafeTensorsFile(path: path(FileName.imageWeights)))
        let textEncoder = try BertEncoder(file: SafeTensorsFile(path: path(FileName.textWeights)))
        let tokenizer = try WordPieceTokenizer(vocabularyPath: path(FileName.vocabulary))
        let prompts = classNames.map { Self.prompt(forClassName: $0) }

        // The cache key covers the text weights, the vocabulary and every prompt.
        let manifest = try Self.readManifestChecksums(path: path(FileName.manifest))
        guard let textChecksum = manifest[FileName.textWeights], let vocabularyChecksum = manifest[FileName.vocabulary] else {
            throw InferenceError.invalidModelFile(path: path(FileName.manifest), reason: "sha256 of the text model or vocabulary is missing")
        }
        let cache = ClassEmbeddingCache(
            directory: directory,
            inputs: ["bert-mean-pooling-v1", textChecksum, vocabularyChecksum] + prompts
        )

        var classEmbeddings: [[Float]]
        if let cached = cache.read(count: prompts.count, dimension: BertEncoder.hiddenSize) {
            classEmbeddings = cached
            logger.debug("class embeddings read from cache", ["file.path": cache.path])
        } else {
            let computeStarted = Date()
            classEmbeddings = []
            for batchStart in stride(from: 0, to: prompts.count, by: Self.promptBatchSize) {
                let batch = prompts[batchStart..<min(batchStart + Self.promptBatchSize, prompts.count)]
                classEmbeddings += textEncoder.embeddings(batch.map { tokenizer.tokenIDs(for: $0) })
            }
            let milliseconds = Int(Date().timeIntervalSince(computeStarted) * 1000)
            logger.info("class embeddings computed", ["class.count": "\(prompts.count)", "duration.ms": "\(milliseconds)"])
            do {
                try cache.write(classEmbeddings)
            } catch {
                logger.warning("class embeddings cache not written", ["file.path": cache.path, "error": "\(error)"])
            }
        }

        let model = LabelBridgeModel(
            classNames: classNames,
            imageNetwork: imageNetwork,
            textEncoder: textEncoder,
            tokenizer: tokenizer,
            classEmbeddings: classEmbeddings
        )
        logger.info("model loaded", ["model.path": directory, "duration.ms": "\(Int(Date().timeIntervalSince(started) * 1000))"])
        return model
    }

    private static func readJSON(path: String) throws -> JSON {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InferenceError.missingModelFile(path: path)
        }
        do {
            return try JSON.parse(data)
        } catch {
            throw InferenceError.invalidModelFile(path: path, reason: "not valid JSON: \(error)")
        }
    }

    private static func readClassNames(path: String) throws -> [String] {
        let names = try Self.readJSON(path: path).arrayValue?.compactMap(\.stringValue) ?? []
        guard names.count == Self.classCount else {
            throw InferenceError.invalidModelFile(path: path, reason: "expected \(Self.classCount) class names, found \(names.count)")
        }
        return names
    }

    /// Returns file name -> sha256 from the `files` list of `manifest.json`.
    private static func readManifestChecksums(path: String) throws -> [String: String] {
        var checksums: [String: String] = [:]
        for file in try Self.readJSON(path: path)["files"]?.arrayValue ?? [] {
            if let name = file["name"]?.stringValue, let sha256 = file["sha256"]?.stringValue {
                checksums[name] = sha256
            }
        }
        return checksums
    }
}
