import Foundation
import JumperCore

/// Google's SigLIP (`siglip-base-16-256`): a ViT image tower with an attention-pooling head
/// and a text transformer pooled at its last token, loaded from a Hugging Face `SiglipModel`
/// checkpoint.
///
/// Text is always padded with `</s>` to the full 64 positions (SigLIP was trained that way,
/// without an attention mask) and the last position is pooled. Widths, depths, heads, patch and
/// image size come from `config.json`. Every vector is L2-normalised.
///
/// Thread-safety: the weights are immutable and every call allocates its own buffers, so
/// `embedImages` and `embedText` may run concurrently from different threads.
public final class SigLIPModel: ImageTowerModel {
    public static let key = "siglip-base-16-256"
    /// The number of images that run through the image tower as one batch.
    public static let imageBatchSize = 4

    public let modelKey: String
    public let dimension: Int
    let config: CheckpointConfig
    let preprocessor: ImageTowerPreprocessor
    let tokenizer: SentencePieceTokenizer

    // image tower
    private let patchEmbedding: PatchEmbedding
    private let visionPositions: [Float]
    private let visionEncoder: PreNormEncoder
    private let postNormWeight: [Float]
    private let postNormBias: [Float]
    private let head: AttentionPoolingHead

    // text tower
    private let textInput: TextInputEmbedding
    private let textEncoder: PreNormEncoder
    private let finalNormWeight: [Float]
    private let finalNormBias: [Float]
    private let textHeadWeight: [Float]
    private let textHeadBias: [Float]

    /// Loads `config.json`, `model.safetensors` and `spiece.model` from a Hugging Face
    /// checkpoint folder.
    ///
    /// - Parameters:
    ///   - directory: The checkpoint folder.
    ///   - key: The model key reported with every vector.
    ///   - logger: Receives the load timing.
    /// - Throws: `InferenceError` naming the missing or invalid file or tensor.
    public static func load(from directory: String, key: String = SigLIPModel.key, logger: Logger) throws -> SigLIPModel {
        try SigLIPModel.loadCheckpoint(from: directory, modelType: "siglip", key: key, logger: logger) { folder, config, weights in
            let tokenizer = try SentencePieceTokenizer(path: folder.path("spiece.model"))
            return try SigLIPModel(key: key, config: config, weights: weights, tokenizer: tokenizer)
        }
    }

    init(key: String, config: CheckpointConfig, weights file: SafeTensorsFile, tokenizer: SentencePieceTokenizer) throws {
        let vision = config.vision
        let text = config.text
        let visionWidth = vision.shape.width
        let textWidth = text.shape.width
        self.modelKey = key
        self.config = config
        self.tokenizer = tokenizer
        self.preprocessor = ImageTowerPreprocessor(
            inputSize: vision.imageSize,
            fit: .stretch,
            mean: [0.5, 0.5, 0.5],
            standardDeviation: [0.5, 0.5, 0.5]
        )

        self.patchEmbedding = try PatchEmbedding(
            file: file,
            prefix: "vision_model.embeddings.patch_embedding",
            imageSize: vision.imageSize,
            patchSize: vision.patchSize,
            width: visionWidth,
            hasBias: true
        )
        self.visionPositions = try file.floats(
            "vision_model.embeddings.position_embedding.weight",
            shape: [self.patchEmbedding.patchCount, visionWidth]
        )
        self.visionEncoder = try PreNormEncoder(file: file, prefix: "vision_model.encoder", shape: vision.shape)
        self.postNormWeight = try file.floats("vision_model.post_layernorm.weight", shape: [visionWidth])
        self.postNormBias = try file.floats("vision_model.post_layernorm.bias", shape: [visionWidth])
        self.head = try AttentionPoolingHead(file: file, prefix: "vision_model.head", shape: vision.shape)

        self.textInput = try TextInputEmbedding(file: file, prefix: "text_model.embeddings", tower: text)
        self.textEncoder = try PreNormEncoder(file: file, prefix: "text_model.encoder", shape: text.shape)
        self.finalNormWeight = try file.floats("text_model.final_layer_norm.weight", shape: [textWidth])
        self.finalNormBias = try file.floats("text_model.final_layer_norm.bias", shape: [textWidth])
        self.textHeadWeight = try file.floats("text_model.head.weight", shape: [textWidth, textWidth])
        self.textHeadBias = try file.floats("text_model.head.bias", shape: [textWidth])
        guard visionWidth == textWidth else {
            throw InferenceError.invalidModelFile(path: config.path, reason: "vision hidden_size \(visionWidth) differs from text hidden_size \(textWidth)")
        }
        guard tokenizer.vocabularySize <= text.vocabularySize else {
            throw InferenceError.invalidModelFile(path: config.path, reason: "tokenizer has \(tokenizer.vocabularySize) pieces, more than vocab_size \(text.vocabularySize)")
        }
        self.dimension = textWidth
    }

    // MARK: - Embedding

    public func embedImages(_ images: [RGBImage]) throws -> [[Float]] {
        try self.embedInBatches(images)
    }

    public func embedText(_ text: String) throws -> [Float] {
        self.textEmbeddings([self.tokenizer.tokenIDs(for: text, length: self.config.text.maxPositions)])[0]
    }

    /// Returns one unit-length vector per normalised channels-first network input.
    func imageEmbeddings(_ inputs: [[Float]]) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let shape = self.config.vision.shape
        let tokenCount = self.patchEmbedding.patchCount
        let offsets = (0...inputs.count).map { $0 * tokenCount }

        // embeddings: patches plus positions, no class token
        var x = [Float](repeating: 0, count: inputs.count * tokenCount * shape.width)
        for (imageIndex, input) in inputs.enumerated() {
            let patches = self.patchEmbedding.embed(input)
            let first = imageIndex * tokenCount * shape.width
            for index in 0..<patches.count {
                x[first + index] = patches[index] + self.visionPositions[index]
            }
        }

        self.visionEncoder.apply(to: &x, offsets: offsets, isCausal: false)
        TransformerMath.layerNorm(&x, weight: self.postNormWeight, bias: self.postNormBias, epsilon: shape.layerNormEpsilon)
        let pooled = self.head.pool(x, offsets: offsets)
        return (0..<inputs.count).map { l2Normalised(Array(pooled[($0 * shape.width)..<(($0 + 1) * shape.width)])) }
    }

    /// Returns one unit-length vector per full-length token id sequence.
    ///
    /// - Precondition: every sequence has `max_position_embeddings` ids below the vocabulary size.
    func textEmbeddings(_ sequences: [[Int]]) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let text = self.config.text
        let width = text.shape.width
        let length = text.maxPositions
        let offsets = (0...sequences.count).map { $0 * length }

        for sequence in sequences {
            precondition(sequence.count == length, "sequence length \(sequence.count), expected \(length)")
        }
        var x = self.textInput.rows(for: sequences, offsets: offsets)

        self.textEncoder.apply(to: &x, offsets: offsets, isCausal: false)

        // pooling: the last position, final LayerNorm, head
        var pooled = [Float](repeating: 0, count: sequences.count * width)
        for sequenceIndex in 0..<sequences.count {
            let row = (offsets[sequenceIndex + 1] - 1) * width
            pooled[(sequenceIndex * width)..<((sequenceIndex + 1) * width)] = x[row..<(row + width)]
        }
        TransformerMath.layerNorm(&pooled, weight: self.finalNormWeight, bias: self.finalNormBias, epsilon: text.shape.layerNormEpsilon)
        let projected = TransformerMath.linear(pooled, rows: sequences.count, inputs: width, weight: self.textHeadWeight, bias: self.textHeadBias)
        return (0..<sequences.count).map { l2Normalised(Array(projected[($0 * width)..<(($0 + 1) * width)])) }
    }
}
