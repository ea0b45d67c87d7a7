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
        Self.layerNorm(&x, weight: self.embeddingNormWeight, bias: self.embeddingNormBias)

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
        let queryKeyValue = Self.linear(x, rows: tokenCount, inputs: hidden, weight: layer.queryKeyValueWeight, bias: layer.queryKeyValueBias)
        let context = Self.attention(queryKeyValue, offsets: offsets)
        var attended = Self.linear(context, rows: tokenCount, inputs: hidden, weight: layer.attentionOutputWeight, bias: layer.attentionOutputBias)
        for index in 0..<attended.count {
            attended[index] += x[index]
        }
        Self.layerNorm(&attended, weight: layer.attentionNormWeight, bias: layer.attentionNormBias)

        // feed-forward with exact GELU
        var intermediate = Self.linear(attended, rows: tokenCount, inputs: hidden, weight: layer.intermediateWeight, bias: layer.intermediateBias)
        for index in 0..<intermediate.count {
            let value = intermediate[index]
            intermediate[index] = 0.5 * value * (1 + erf(value * Float(0.5).squareRoot()))
        }
        var output = Self.linear(intermediate, rows: tokenCount, inputs: Self.intermediateSize, weight: layer.outputWeight, bias: layer.outputBias)
        for index in 0..<output.count {
            output[index] += attended[index]
        }
        Self.layerNorm(&output, weight: layer.outputNormWeight, bias: layer.outputNormBias)
        x = output
    }

    /// Computes `x W^T + b` for `x` of `[rows, inputs]` and `W` of `[outputs, inputs]`.
    private static func linear(_ x: [Float], rows: Int, inputs: Int, weight: [Float], bias: [Float]) -> [Float] {
        let outputs = bias.count
        var result = [Float](repeating: 0, count: rows * outputs)
        result.withUnsafeMutableBufferPointer { result in
            x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { weight in
                    matrixMultiply(x.baseAddress!, weight.baseAddress!, into: result.baseAddress!, m: rows, n: outputs, k: inputs, transposeB: true)
                }
            }
            for row in 0..<rows {
                for column in 0..<outputs {
                    result[row * outputs + column] += bias[column]
                }
            }
        }
        return result
    }

    /// Returns the attention context `[tokens, D]` from fused `[tokens, 3D]` query, key and value rows.
    private static func attention(_ queryKeyValue: [Float], offsets: [Int]) -> [Float] {
        let hidden = Self.hiddenSize
        let headSize = hidden / Self.headCount
        let stride = 3 * hidden
        let scale = 1 / Float(headSize).squareRoot()
        var context = [Float](repeating: 0, count: offsets.last! * hidden)
        queryKeyValue.withUnsafeBufferPointer { qkv in
            context.withUnsafeMutableBufferPointer { context in
                for sequenceIndex in 0..<(offsets.count - 1) {
                    let first = offsets[sequenceIndex]
                    let length = offsets[sequenceIndex + 1] - first
                    var scores = [Float](repeating: 0, count: length * length)
                    for head in 0..<Self.headCount {
                        let query = qkv.baseAddress! + first * stride + head * headSize
                        let key = query + hidden
                        let value = query + 2 * hidden
                        scores.withUnsafeMutableBufferPointer { scores in
                            // scores = Q K^T / sqrt(head size), then a softmax per row
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans,
                                Int32(length), Int32(length), Int32(headSize),
                                scale, query, Int32(stride), key, Int32(stride),
                                0, scores.baseAddress!, Int32(length)
                            )
                            for row in 0..<length {
                                let values = scores.baseAddress! + row * length
                                var maximum = -Float.infinity
                                for column in 0..<length {
                                    maximum = max(maximum, values[column])
                                }
                                var sum: Float = 0
                                for column in 0..<length {
                                    values[column] = exp(values[column] - maximum)
                                    sum += values[column]
                                }
                                for column in 0..<length {
                                    values[column] /= sum
                                }
                            }
                            // context = P V, written into this head's columns
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(length), Int32(headSize), Int32(length),
                                1, scores.baseAddress!, Int32(length), value, Int32(stride),
                                0, context.baseAddress! + first * hidden + head * headSize, Int32(hidden)
                            )
                        }
                    }
                }
            }
        }
        return context
    }

    /// Normalises each row of `D` values to zero mean and unit variance, then scales and shifts.
    private static func layerNorm(_ x: inout [Float], weight: [Float], bias: [Float]) {
        let hidden = weight.count
        x.withUnsafeMutableBufferPointer { x in
            for rowStart in stride(from: 0, to: x.count, by: hidden) {
                var mean: Float = 0
                for column in 0..<hidden {
                    mean += x[rowStart + column]
                }
                mean /= Float(hidden)
                var variance: Float = 0
                for column in 0..<hidden {
                    let centred = x[rowStart + column] - mean
                    variance += centred * centred
                }
                variance /= Float(hidden)
                let inverse = 1 / (variance + Self.layerNormEpsilon).squareRoot()
                for column in 0..<hidden {
                    x[rowStart + column] = (x[rowStart + column] - mean) * inverse * weight[column] + bias[column]
                }
            }
        }
    }
}

/// Returns `vector` divided by its Euclidean norm, or unchanged when the norm is zero.
func l2Normalised(_ vector: [Float]) -> [Float] {
    var sum: Double = 0
    for value in vector {
        sum += Double(value) * Double(value)
    }
    guard sum > 0 else { return vector }
    let inverse = Float(1 / sum.squareRoot())
    return vector.map { $0 * inverse }
}
