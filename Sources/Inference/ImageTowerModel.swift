import Foundation
import JumperCore

/// A vision transformer model whose image tower takes preprocessed images in fixed-size
/// batches: CLIP and SigLIP.
protocol ImageTowerModel: VisualEmbeddingModel {
    /// The number of images that run through the image tower as one batch.
    static var imageBatchSize: Int { get }
    var preprocessor: ImageTowerPreprocessor { get }
    /// Returns one unit-length vector per normalised channels-first network input.
    func imageEmbeddings(_ inputs: [[Float]]) -> [[Float]]
}

extension ImageTowerModel {
    /// Preprocesses and embeds `images` batch by batch; backs `embedImages`.
    func embedInBatches(_ images: [RGBImage]) throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(images.count)
        for batchStart in stride(from: 0, to: images.count, by: Self.imageBatchSize) {
            let batch = images[batchStart..<min(batchStart + Self.imageBatchSize, images.count)]
            vectors += self.imageEmbeddings(try batch.map { try self.preprocessor.networkInput(from: $0) })
        }
        return vectors
    }

    /// Loads a Hugging Face checkpoint folder (`config.json` of `modelType`, `model.safetensors`)
    /// with `build`, logging how long it took.
    ///
    /// - Throws: `InferenceError` naming the missing or invalid file or tensor.
    static func loadCheckpoint(
        from directory: String,
        modelType: String,
        key: String,
        logger: Logger,
        build: (ModelFolder, CheckpointConfig, SafeTensorsFile) throws -> Self
    ) throws -> Self {
        let started = Date()
        ModelFolder.configureBLASThreads(logger: logger)
        let folder = ModelFolder(directory: directory)
        let config = try CheckpointConfig(path: folder.path("config.json"), expectedType: modelType)
        let weights = try SafeTensorsFile(path: folder.path("model.safetensors"))
        let model = try build(folder, config, weights)
        logger.with("model.key", key).info(
            "model loaded",
            ["model.path": directory, "duration.ms": "\(Int(Date().timeIntervalSince(started) * 1000))"]
        )
        return model
    }
}
