import COpenBLAS
import Foundation

/// The all-MiniLM-L6-v2 sentence encoder: a BERT encoder followed by mean pooling over the
/// tokens and L2 normalisation.
///
/// Shapes: hidden size `D` = 384, 12 heads of 32, feed-forward 1536, 6 layers, LayerNorm eps
/// 1e-12, exact (erf) GELU. A batch of sequences runs as one concatenated `[tokens, D]`
/// matrix through every token-wise layer, and attention runs per sequence, so no padding
/// or attention mask is needed.
final class BertEncoder: Sendable {
    static let hiddenSize = 384
    static let headCount = 12
    static let intermediateSize = 1536
    static let layerCount = 6
    static let maxPositions = 512
    private static let layerNormEpsilon: Float = 1e-12

    /// One transformer layer's weights; linear weights stay `[out, in]` as stored.
    private struct Layer: Sendable {
        let queryKeyValueWeight: [Float]
        let queryKeyValueBias: [Float]
        let attentionOutputWeight: [Float]
        let attentionOutputBias: [Float]
        let attentionNormWeight: [Float]
        let attentionNormBias: [Float]
        let intermediateWeight: [Float]
        let intermediateBias: [Float]
        let outputWeight: [Float]
        let outputBias: [Float]
        let outputNormWeight: [Float]
        let outputNormBias: [Float]
    }

    private let wordEmbeddings: [Float]
    private let positionEmbeddings: [Float]
    private let tokenTypeEmbedding: [Float]
    private let embeddingNormWeight: [Float]
    private let embeddingNormBias: [Float]
    private let layers: [Layer]
    let vocabularySize: Int

    /// Loads the weights of a Hugging Face `BertModel` checkpoint.
    ///
    /// - Throws: `InferenceError` naming the missing or misshapen tensor.
    init(file: SafeTensorsFile) throws {
        let hidden = Self.hiddenSize
        guard let wordShape = file.shape(of: "embeddings.word_embeddings.weight") else {
            throw InferenceError.missingTensor(name: "embeddings.word_embeddings.weight", path: file.path)
        }
        self.vocabularySize = wordShape.first ?? 0
        self.wordEmbeddings = try file.floats("embeddings.word_embeddings.weight", shape: [self.vocabularySize, hidden])
        self.positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [Self.maxPositions, hidden])
        let tokenTypes = try file.floats("embeddings.token_type_embeddings.weight", shape: [2, hidden])
        self.tokenTypeEmbedding = Array(tokenTypes[0..<hidden])
        self.embeddingNormWeight = try file.floats("embeddings.LayerNorm.weight", shape: [hidden])
        self.embeddingNormBias = try file.floats("embeddings.LayerNorm.bias", shape: [hidden])

        var layers: [Layer] = []
        for index in 0..<Self.layerCount {
            let prefix = "encoder.layer.\(index)."
            func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> [Float] {
                try file.floats(prefix + name, shape: [rows, columns])
            }
            func vector(_ name: String, _ count: Int) throws -> [Float] {
                try file.floats(prefix + name, shape: [count])
            }
            let intermediate = Self.intermediateSize
            layers.append(
                Layer(
                    queryKeyValueWeight: try matrix("attention.self.query.weight", hidden, hidden)
                        + matrix("attention.self.key.weight", hidden, hidden)
                        + matrix("attention.self.value.weight", hidden, hidden),
                    queryKeyValueBias: try vector("attention.self.query.bias", hidden)
                        + vector("attention.self.key.bias", hidden)
                        + vector("attention.self.value.bias", hidden),
                    attentionOutputWeight: try matrix("attention.output.dense.weight", hidden, hidden),
                    attentionOutputBias: try vector("attention.output.dense.bias", hidden),
                    attentionNormWeight: try vector("attention.output.LayerNorm.weight", hidden),
                    attentionNormBias: try vector("attention.output.LayerNorm.bias", hidden),
                    intermediateWeight: try matrix("intermediate.dense.weight", intermediate, hidden),
                    intermediateBias: try vector("intermediate.dense.bias", intermediate),
                    outputWeight: try matrix("output.dense.weight", hidden, intermediate),
                    outputBias: try vector("output.dense.bias", hidden),
                    outputNormWeight: try vector("output.LayerNorm.weight", hidden),
                    outputNormBias: try vector("output.LayerNorm.bias", hidden)
                )
            )
        }
        self.layers = layers
    }

    /// Returns one L2-normalised, mean-pooled embedding per token id sequence.
    ///
    /// - Precondition: every sequence is non-empty, at most 512 tokens long and uses ids
    ///   below the vocabulary size.
    func embeddings(_ sequences: [[Int32]]) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let hidden = Self.hiddenSize
        let offsets = sequences.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let tokenCount = offsets.last!

        // embeddings: word + position + token type 0, then LayerNorm
        var x = [Float](repeating: 0, count: tokenCount * hidden)
        for (sequenceIndex, sequence) in sequences.enumerated() {
            precondition(!sequence.isEmpty && sequence.count <= Self.maxPositions, "sequence length \(sequence.count) is out of range")
            for (position, id) in sequence.enumerated() {
                precondition(id >= 0 && Int(id) < self.vocabularySize, "token id \(id) is out of range")
                let row = (offsets[sequenceIndex] + position) * hidden
                let word = Int(id) * hidden
                let positionRow = position * hidden
                for column in 0..<hidden {
                    x[row + column] = self.wordEmbeddings[word + column] + self.positionEmbeddings[positionRow + column]
                        + self.tokenTypeEmbedding[column]
                }
            }
        }
        TransformerMath.layerNorm(&x, weight: self.embeddingNormWeight, bias: self.embeddingNormBias, epsilon: Self.layerNormEpsilon)

        for layer in self.layers {
            self.applyLayer(layer, to: &x, offsets: offsets)
        }

        // mean pooling over each sequence's tokens, then L2 normalisation
        return (0..<sequences.count).map { sequenceIndex in
            var pooled = [Float](repeating: 0, count: hidden)
            for row in offsets[sequenceIndex]..<offsets[sequenceIndex + 1] {
                for column in 0..<hidden {
                    pooled[column] += x[row * hidden + column]
                }
            }
            let count = Float(offsets[sequenceIndex + 1] - offsets[sequenceIndex])
            return l2Normalised(pooled.map { $0 / count })
        }
    }

    private func applyLayer(_ layer: Layer, to x: inout [Float], offsets: [Int]) {
        let hidden = Self.hiddenSize
        let tokenCount = offsets.last!

        // self-attention: fused QKV projection, then scaled dot-product attention per sequence
        let queryKeyValue = TransformerMath.linear(x, rows: tokenCount, inputs: hidden, weight: layer.queryKeyValueWeight, bias: layer.queryKeyValueBias)
        let context = TransformerMath.selfAttention(queryKeyValue, offsets: offsets, width: hidden, headCount: Self.headCount)
        var attended = TransformerMath.linear(context, rows: tokenCount, inputs: hidden, weight: layer.attentionOutputWeight, bias: layer.attentionOutputBias)
        for index in 0..<attended.count {
            attended[index] += x[index]
        }
        TransformerMath.layerNorm(&attended, weight: layer.attentionNormWeight, bias: layer.attentionNormBias, epsilon: Self.layerNormEpsilon)

        // feed-forward with exact GELU
        var intermediate = TransformerMath.linear(attended, rows: tokenCount, inputs: hidden, weight: layer.intermediateWeight, bias: layer.intermediateBias)
        TransformerMath.Activation.gelu.apply(&intermediate)
        var output = TransformerMath.linear(intermediate, rows: tokenCount, inputs: Self.intermediateSize, weight: layer.outputWeight, bias: layer.outputBias)
        for index in 0..<output.count {
            output[index] += attended[index]
        }
        TransformerMath.layerNorm(&output, weight: layer.outputNormWeight, bias: layer.outputNormBias, epsilon: Self.layerNormEpsilon)
        x = output
    }
}
