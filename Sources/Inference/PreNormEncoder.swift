import Foundation

/// The shape of one transformer tower as a Hugging Face `config.json` gives it.
struct TowerShape: Sendable, Equatable {
    let width: Int
    let intermediateSize: Int
    let layerCount: Int
    let headCount: Int
    let layerNormEpsilon: Float
    let activation: TransformerMath.Activation
}

/// The pre-LayerNorm transformer encoder of CLIP and SigLIP towers:
/// `x += attention(LN1(x))`, then `x += MLP(LN2(x))` in every layer.
///
/// Loads the Hugging Face layout `<prefix>.layers.<i>.{self_attn.{q,k,v,out}_proj, layer_norm1,
/// mlp.fc1, mlp.fc2, layer_norm2}`. Immutable after loading, so concurrent calls are safe.
final class PreNormEncoder: Sendable {
    /// One layer's weights; linear weights stay `[out, in]` as stored.
    private struct Layer: Sendable {
        let norm1Weight: [Float]
        let norm1Bias: [Float]
        let queryKeyValueWeight: [Float]
        let queryKeyValueBias: [Float]
        let outputWeight: [Float]
        let outputBias: [Float]
        let norm2Weight: [Float]
        let norm2Bias: [Float]
        let fc1Weight: [Float]
        let fc1Bias: [Float]
        let fc2Weight: [Float]
        let fc2Bias: [Float]
    }

    let shape: TowerShape
    private let layers: [Layer]

    /// Loads `shape.layerCount` layers under `prefix` (such as `vision_model.encoder`).
    ///
    /// - Throws: `InferenceError` naming the missing or misshapen tensor.
    init(file: SafeTensorsFile, prefix: String, shape: TowerShape) throws {
        let width = shape.width
        let inner = shape.intermediateSize
        var layers: [Layer] = []
        for index in 0..<shape.layerCount {
            let layerPrefix = "\(prefix).layers.\(index)."
            func tensor(_ name: String, _ dimensions: [Int]) throws -> [Float] {
                try file.floats(layerPrefix + name, shape: dimensions)
            }
            layers.append(
                Layer(
                    norm1Weight: try tensor("layer_norm1.weight", [width]),
                    norm1Bias: try tensor("layer_norm1.bias", [width]),
                    queryKeyValueWeight: try tensor("self_attn.q_proj.weight", [width, width])
                        + tensor("self_attn.k_proj.weight", [width, width])
                        + tensor("self_attn.v_proj.weight", [width, width]),
                    queryKeyValueBias: try tensor("self_attn.q_proj.bias", [width])
                        + tensor("self_attn.k_proj.bias", [width])
                        + tensor("self_attn.v_proj.bias", [width]),
                    outputWeight: try tensor("self_attn.out_proj.weight", [width, width]),
                    outputBias: try tensor("self_attn.out_proj.bias", [width]),
                    norm2Weight: try tensor("layer_norm2.weight", [width]),
                    norm2Bias: try tensor("layer_norm2.bias", [width]),
                    fc1Weight: try tensor("mlp.fc1.weight", [inner, width]),
                    fc1Bias: try tensor("mlp.fc1.bias", [inner]),
                    fc2Weight: try tensor("mlp.fc2.weight", [width, inner]),
                    fc2Bias: try tensor("mlp.fc2.bias", [width])
                )
            )
        }
        self.shape = shape
        self.layers = layers
    }

    /// Runs every layer over the concatenated `[tokens, width]` rows of a batch in place.
    ///
    /// - Parameters:
    ///   - x: The token rows of all sequences.
    ///   - offsets: The first row of each sequence, ending with the total row count.
    ///   - isCausal: Whether each token attends only to itself and earlier tokens.
    func apply(to x: inout [Float], offsets: [Int], isCausal: Bool) {
        for layer in self.layers {
            self.applyLayer(layer, to: &x, offsets: offsets, isCausal: isCausal)
        }
    }

    private func applyLayer(_ layer: Layer, to x: inout [Float], offsets: [Int], isCausal: Bool) {
        let width = self.shape.width
        let rows = offsets.last!
        let epsilon = self.shape.layerNormEpsilon

        // attention block
        var normed = x
        TransformerMath.layerNorm(&normed, weight: layer.norm1Weight, bias: layer.norm1Bias, epsilon: epsilon)
        let queryKeyValue = TransformerMath.linear(normed, rows: rows, inputs: width, weight: layer.queryKeyValueWeight, bias: layer.queryKeyValueBias)
        let context = TransformerMath.selfAttention(
            queryKeyValue,
            offsets: offsets,
            width: width,
            headCount: self.shape.headCount,
            isCausal: isCausal
        )
        TransformerMath.add(
            TransformerMath.linear(context, rows: rows, inputs: width, weight: layer.outputWeight, bias: layer.outputBias),
            to: &x
        )

        // feed-forward block
        normed = x
        TransformerMath.layerNorm(&normed, weight: layer.norm2Weight, bias: layer.norm2Bias, epsilon: epsilon)
        var hidden = TransformerMath.linear(normed, rows: rows, inputs: width, weight: layer.fc1Weight, bias: layer.fc1Bias)
        self.shape.activation.apply(&hidden)
        TransformerMath.add(
            TransformerMath.linear(hidden, rows: rows, inputs: self.shape.intermediateSize, weight: layer.fc2Weight, bias: layer.fc2Bias),
            to: &x
        )
    }
}
