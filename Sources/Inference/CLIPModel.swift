import Foundation
import JumperCore

/// OpenAI CLIP (`clip-vit-b-32`): a ViT image tower and a causal text transformer trained to
/// put matching images and captions close together, loaded from a Hugging Face `CLIPModel`
/// checkpoint.
///
/// Widths, depths, heads, patch and image size come from the checkpoint's `config.json`, so
/// other CLIP ViT sizes load as well. Both towers end in a linear projection into the shared
/// space and every vector is L2-normalised.
///
/// Thread-safety: the weights are immutable and every call allocates its own buffers, so
/// `embedImages` and `embedText` may run concurrently from different threads.
public final class CLIPModel: ImageTowerModel {
    public static let key = "clip-vit-b-32"
    /// The number of images that run through the image tower as one batch.
    public static let imageBatchSize = 8

    public let modelKey: String
    public let dimension: Int
    let config: CheckpointConfig
    let preprocessor: ImageTowerPreprocessor
    let tokenizer: CLIPTokenizer

    // image tower
    private let patchEmbedding: PatchEmbedding
    private let classEmbedding: [Float]
    private let visionPositions: [Float]
    private let preNormWeight: [Float]
    private let preNormBias: [Float]
    private let visionEncoder: PreNormEncoder
    private let postNormWeight: [Float]
    private let postNormBias: [Float]
    private let visualProjection: [Float]

    // text tower
    private let textInput: TextInputEmbedding
    private let textEncoder: PreNormEncoder
    private let finalNormWeight: [Float]
    private let finalNormBias: [Float]
    private let textProjection: [Float]

    /// Loads `config.json`, `model.safetensors` and the tokenizer files (`vocab.json` and
    /// `merges.txt`, or `tokenizer.json`) from a Hugging Face checkpoint folder.
    ///
    /// - Parameters:
    ///   - directory: The checkpoint folder.
    ///   - key: The model key reported with every vector.
    ///   - logger: Receives the load timing.
    /// - Throws: `InferenceError` naming the missing or invalid file or tensor.
    public static func load(from directory: String, key: String = CLIPModel.key, logger: Logger) throws -> CLIPModel {
        try CLIPModel.loadCheckpoint(from: directory, modelType: "clip", key: key, logger: logger) { _, config, weights in
            try CLIPModel(key: key, config: config, weights: weights, tokenizer: try CLIPTokenizer(directory: directory))
        }
    }

    init(key: String, config: CheckpointConfig, weights file: SafeTensorsFile, tokenizer: CLIPTokenizer) throws {
        let vision = config.vision
        let text = config.text
        let visionWidth = vision.shape.width
        let textWidth = text.shape.width
        guard let projectionShape = file.shape(of: "visual_projection.weight"), projectionShape.count == 2 else {
            throw InferenceError.missingTensor(name: "visual_projection.weight", path: file.path)
        }
        let projection = projectionShape[0]

        self.modelKey = key
        self.dimension = projection
        self.config = config
        self.tokenizer = tokenizer
        self.preprocessor = ImageTowerPreprocessor(
            inputSize: vision.imageSize,
            fit: .shorterSideAndCentreCrop,
            mean: ImageTowerPreprocessor.clipMean,
            standardDeviation: ImageTowerPreprocessor.clipStandardDeviation
        )

        self.patchEmbedding = try PatchEmbedding(
            file: file,
            prefix: "vision_model.embeddings.patch_embedding",
            imageSize: vision.imageSize,
            patchSize: vision.patchSize,
            width: visionWidth,
            hasBias: false
        )
        let tokenCount = self.patchEmbedding.patchCount + 1
        self.classEmbedding = try file.floats("vision_model.embeddings.class_embedding", shape: [visionWidth])
        self.visionPositions = try file.floats("vision_model.embeddings.position_embedding.weight", shape: [tokenCount, visionWidth])
        self.preNormWeight = try file.floats("vision_model.pre_layrnorm.weight", shape: [visionWidth])
        self.preNormBias = try file.floats("vision_model.pre_layrnorm.bias", shape: [visionWidth])
        self.visionEncoder = try PreNormEncoder(file: file, prefix: "vision_model.encoder", shape: vision.shape)
        self.postNormWeight = try file.floats("vision_model.post_layernorm.weight", shape: [visionWidth])
        self.postNormBias = try file.floats("vision_model.post_layernorm.bias", shape: [visionWidth])
        self.visualProjection = try file.floats("visual_projection.weight", shape: [projection, visionWidth])

        self.textInput = try TextInputEmbedding(file: file, prefix: "text_model.embeddings", tower: text)
        self.textEncoder = try PreNormEncoder(file: file, prefix: "text_model.encoder", shape: text.shape)
        self.finalNormWeight = try file.floats("text_model.final_layer_norm.weight", shape: [textWidth])
        self.finalNormBias = try file.floats("text_model.final_layer_norm.bias", shape: [textWidth])
        self.textProjection = try file.floats("text_projection.weight", shape: [projection, textWidth])
        guard tokenizer.vocabularySize <= text.vocabularySize else {
            throw InferenceError.invalidModelFile(path: config.path, reason: "tokenizer has \(tokenizer.vocabularySize) tokens, more than vocab_size \(text.vocabularySize)")
        }
    }

    // MARK: - Embedding

    public func embedImages(_ images: [RGBImage]) throws -> [[Float]] {
        try self.embedInBatches(images)
    }

    public func embedText(_ text: String) throws -> [Float] {
        self.textEmbeddings([self.tokenizer.tokenIDs(for: text, maxLength: self.config.text.maxPositions)])[0]
    }

    /// Returns one unit-length vector per normalised channels-first network input.
    func imageEmbeddings(_ inputs: [[Float]]) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let width = self.config.vision.shape.width
        let tokenCount = self.patchEmbedding.patchCount + 1
        let offsets = (0...inputs.count).map { $0 * tokenCount }

        // embeddings: class token, then the patches, plus positions; then the pre-LayerNorm
        var x = [Float](repeating: 0, count: inputs.count * tokenCount * width)
        for (imageIndex, input) in inputs.enumerated() {
            let patches = self.patchEmbedding.embed(input)
            let first = imageIndex * tokenCount * width
            for column in 0..<width {
                x[first + column] = self.classEmbedding[column] + self.visionPositions[column]
            }
            for index in 0..<(patches.count) {
                x[first + width + index] = patches[index] + self.visionPositions[width + index]
            }
        }
        TransformerMath.layerNorm(&x, weight: self.preNormWeight, bias: self.preNormBias, epsilon: self.config.vision.shape.layerNormEpsilon)

        self.visionEncoder.apply(to: &x, offsets: offsets, isCausal: false)

        // pooling: the class token, post-LayerNorm, projection
        var pooled = [Float](repeating: 0, count: inputs.count * width)
        for imageIndex in 0..<inputs.count {
            let source = offsets[imageIndex] * width
            pooled[(imageIndex * width)..<((imageIndex + 1) * width)] = x[source..<(source + width)]
        }
        TransformerMath.layerNorm(&pooled, weight: self.postNormWeight, bias: self.postNormBias, epsilon: self.config.vision.shape.layerNormEpsilon)
        let projected = TransformerMath.linear(pooled, rows: inputs.count, inputs: width, weight: self.visualProjection, bias: nil, outputs: self.dimension)
        return (0..<inputs.count).map { l2Normalised(Array(projected[($0 * self.dimension)..<(($0 + 1) * self.dimension)])) }
    }

    /// Returns one unit-length vector per token id sequence (with start and end tokens).
    ///
    /// - Precondition: every sequence is non-empty, fits the position table and uses ids
    ///   below the vocabulary size.
    func textEmbeddings(_ sequences: [[Int]]) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let text = self.config.text
        let width = text.shape.width
        let offsets = sequences.reduce(into: [0]) { $0.append($0.last! + $1.count) }

        var x = self.textInput.rows(for: sequences, offsets: offsets)

        self.textEncoder.apply(to: &x, offsets: offsets, isCausal: true)
        TransformerMath.layerNorm(&x, weight: self.finalNormWeight, bias: self.finalNormBias, epsilon: text.shape.layerNormEpsilon)

        // pooling: the end-of-text token, then the projection
        var pooled = [Float](repeating: 0, count: sequences.count * width)
        for (sequenceIndex, sequence) in sequences.enumerated() {
            let row = (offsets[sequenceIndex] + Self.poolingPosition(sequence, eosTokenID: text.eosTokenID)) * width
            pooled[(sequenceIndex * width)..<((sequenceIndex + 1) * width)] = x[row..<(row + width)]
        }
        let projected = TransformerMath.linear(pooled, rows: sequences.count, inputs: width, weight: self.textProjection, bias: nil, outputs: self.dimension)
        return (0..<sequences.count).map { l2Normalised(Array(projected[($0 * self.dimension)..<(($0 + 1) * self.dimension)])) }
    }

    /// Returns the position whose output represents the sequence, as transformers 4.40 picks it.
    ///
    /// Configs of the original OpenAI checkpoints carry the wrong `eos_token_id` 2, so for them
    /// the position of the highest token id is taken (`<|endoftext|>` is the last vocabulary
    /// entry); otherwise the first `eos_token_id`.
    static func poolingPosition(_ sequence: [Int], eosTokenID: Int) -> Int {
        if eosTokenID == 2 {
            return sequence.indices.max { sequence[$0] < sequence[$1] } ?? 0
        }
        return sequence.firstIndex(of: eosTokenID) ?? sequence.count - 1
    }
}
