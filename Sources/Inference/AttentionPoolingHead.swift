import Foundation

/// SigLIP's multi-head attention pooling ("MAP") head: one learned probe query attends over
/// all patch tokens, then a LayerNorm and an MLP with a residual connection.
///
/// Loads `<prefix>.probe`, `.attention.in_proj_{weight,bias}` (PyTorch's fused
/// `nn.MultiheadAttention` layout, query rows first), `.attention.out_proj`, `.layernorm` and
/// `.mlp.fc1`/`.mlp.fc2`.
struct AttentionPoolingHead: Sendable {
    private let shape: TowerShape
    private let probeQuery: [Float]
    private let keyValueWeight: [Float]
    private let keyValueBias: [Float]
    private let outputWeight: [Float]
    private let outputBias: [Float]
    private let normWeight: [Float]
    private let normBias: [Float]
    private let fc1Weight: [Float]
    private let fc1Bias: [Float]
    private let fc2Weight: [Float]
    private let fc2Bias: [Float]

    init(file: SafeTensorsFile, prefix: String, shape: TowerShape) throws {
        let width = shape.width
        let inner = shape.intermediateSize
        let probe = try file.floats(prefix + ".probe", shape: [1, 1, width])
        let inputWeight = try file.floats(prefix + ".attention.in_proj_weight", shape: [3 * width, width])
        let inputBias = try file.floats(prefix + ".attention.in_proj_bias", shape: [3 * width])

        // The probe is constant, so its query projection is computed once here.
        self.probeQuery = TransformerMath.linear(
            probe,
            rows: 1,
            inputs: width,
            weight: Array(inputWeight[0..<(width * width)]),
            bias: Array(inputBias[0..<width])
        )
        self.keyValueWeight = Array(inputWeight[(width * width)...])
        self.keyValueBias = Array(inputBias[width...])
        self.outputWeight = try file.floats(prefix + ".attention.out_proj.weight", shape: [width, width])
        self.outputBias = try file.floats(prefix + ".attention.out_proj.bias", shape: [width])
        self.normWeight = try file.floats(prefix + ".layernorm.weight", shape: [width])
        self.normBias = try file.floats(prefix + ".layernorm.bias", shape: [width])
        self.fc1Weight = try file.floats(prefix + ".mlp.fc1.weight", shape: [inner, width])
        self.fc1Bias = try file.floats(prefix + ".mlp.fc1.bias", shape: [inner])
        self.fc2Weight = try file.floats(prefix + ".mlp.fc2.weight", shape: [width, inner])
        self.fc2Bias = try file.floats(prefix + ".mlp.fc2.bias", shape: [width])
        self.shape = shape
    }

    /// Returns one pooled `width` row per sequence of the concatenated token rows `x`.
    func pool(_ x: [Float], offsets: [Int]) -> [Float] {
        let width = self.shape.width
        let sequenceCount = offsets.count - 1
        let keyValue = TransformerMath.linear(x, rows: offsets.last!, inputs: width, weight: self.keyValueWeight, bias: self.keyValueBias)

        // attention of the probe over each sequence's tokens
        var context = [Float](repeating: 0, count: sequenceCount * width)
        self.probeQuery.withUnsafeBufferPointer { query in
            keyValue.withUnsafeBufferPointer { keyValue in
                context.withUnsafeMutableBufferPointer { context in
                    for sequenceIndex in 0..<sequenceCount {
                        let key = keyValue.baseAddress! + offsets[sequenceIndex] * 2 * width
                        TransformerMath.attend(
                            query: query.baseAddress!,
                            queryCount: 1,
                            queryStride: width,
                            key: key,
                            value: key + width,
                            keyCount: offsets[sequenceIndex + 1] - offsets[sequenceIndex],
                            keyValueStride: 2 * width,
                            into: context.baseAddress! + sequenceIndex * width,
                            contextStride: width,
                            width: width,
                            headCount: self.shape.headCount,
                            isCausal: false
                        )
                    }
                }
            }
        }
        var pooled = TransformerMath.linear(context, rows: sequenceCount, inputs: width, weight: self.outputWeight, bias: self.outputBias)

        // LayerNorm and MLP with a residual connection
        var normed = pooled
        TransformerMath.layerNorm(&normed, weight: self.normWeight, bias: self.normBias, epsilon: self.shape.layerNormEpsilon)
        var hidden = TransformerMath.linear(normed, rows: sequenceCount, inputs: width, weight: self.fc1Weight, bias: self.fc1Bias)
        self.shape.activation.apply(&hidden)
        TransformerMath.add(
            TransformerMath.linear(hidden, rows: sequenceCount, inputs: self.shape.intermediateSize, weight: self.fc2Weight, bias: self.fc2Bias),
            to: &pooled
        )
        return pooled
    }
}
