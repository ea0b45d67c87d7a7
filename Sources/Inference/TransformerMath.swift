import COpenBLAS
import Foundation

/// Token-wise building blocks of transformer encoders on row-major `[tokens, width]` matrices,
/// shared by the BERT, CLIP and SigLIP encoders.
///
/// A batch of sequences is one concatenated matrix; `offsets` gives each sequence's first row
/// and ends with the total row count, so attention stays inside a sequence without padding.
enum TransformerMath {
    /// The activation of a feed-forward block, named as Hugging Face configs name it.
    enum Activation: String, Sendable {
        /// Exact GELU, `x * Φ(x)` with the error function (`"gelu"`).
        case gelu
        /// GELU with the tanh approximation (`"gelu_pytorch_tanh"`, `"gelu_new"`).
        case geluTanh = "gelu_pytorch_tanh"
        /// OpenAI CLIP's `x * sigmoid(1.702 x)` (`"quick_gelu"`).
        case quickGELU = "quick_gelu"

        /// Returns the activation that a config's `hidden_act` names, or nil when unsupported.
        init?(configName: String) {
            switch configName {
            case "gelu": self = .gelu
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": self = .geluTanh
            case "quick_gelu": self = .quickGELU
            default: return nil
            }
        }

        /// Applies the activation to every value in place.
        func apply(_ values: inout [Float]) {
            switch self {
            case .gelu:
                let inverseRootTwo = Float(0.5).squareRoot()
                for index in values.indices {
                    let value = values[index]
                    values[index] = 0.5 * value * (1 + erf(value * inverseRootTwo))
                }
            case .geluTanh:
                let rootTwoOverPi = Float((2 / Double.pi).squareRoot())
                for index in values.indices {
                    let value = values[index]
                    let inner = rootTwoOverPi * (value + 0.044715 * value * value * value)
                    values[index] = 0.5 * value * (1 + tanh(inner))
                }
            case .quickGELU:
                for index in values.indices {
                    let value = values[index]
                    values[index] = value / (1 + exp(-1.702 * value))
                }
            }
        }
    }

    /// Computes `x W^T + b` for `x` of `[rows, inputs]` and `W` of `[outputs, inputs]`.
    ///
    /// - Parameters:
    ///   - x: The input rows.
    ///   - rows: The number of rows of `x`.
    ///   - inputs: The width of `x`.
    ///   - weight: The weight as stored by PyTorch's `nn.Linear`, `[outputs, inputs]`.
    ///   - bias: The bias of `outputs` values, or nil for a linear layer without bias.
    ///   - outputs: The output width; defaults to the bias length.
    static func linear(
        _ x: [Float],
        rows: Int,
        inputs: Int,
        weight: [Float],
        bias: [Float]?,
        outputs: Int? = nil
    ) -> [Float] {
        let outputs = outputs ?? bias?.count ?? 0
        precondition(weight.count == outputs * inputs, "weight has \(weight.count) values, expected \(outputs) x \(inputs)")
        var result = [Float](repeating: 0, count: rows * outputs)
        result.withUnsafeMutableBufferPointer { result in
            x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { weight in
                    matrixMultiply(x.baseAddress!, weight.baseAddress!, into: result.baseAddress!, m: rows, n: outputs, k: inputs, transposeB: true)
                }
            }
            if let bias {
                for row in 0..<rows {
                    for column in 0..<outputs {
                        result[row * outputs + column] += bias[column]
                    }
                }
            }
        }
        return result
    }

    /// Normalises each row to zero mean and unit variance, then scales and shifts it.
    static func layerNorm(_ x: inout [Float], weight: [Float], bias: [Float], epsilon: Float) {
        let width = weight.count
        x.withUnsafeMutableBufferPointer { x in
            for rowStart in stride(from: 0, to: x.count, by: width) {
                var mean: Float = 0
                for column in 0..<width {
                    mean += x[rowStart + column]
                }
                mean /= Float(width)
                var variance: Float = 0
                for column in 0..<width {
                    let centred = x[rowStart + column] - mean
                    variance += centred * centred
                }
                variance /= Float(width)
                let inverse = 1 / (variance + epsilon).squareRoot()
                for column in 0..<width {
                    x[rowStart + column] = (x[rowStart + column] - mean) * inverse * weight[column] + bias[column]
                }
            }
        }
    }

    /// Adds `other` to `x` element by element.
    static func add(_ other: [Float], to x: inout [Float]) {
        precondition(other.count == x.count, "residual has \(other.count) values, expected \(x.count)")
        for index in x.indices {
            x[index] += other[index]
        }
    }

    /// Returns the multi-head attention context `[tokens, width]` from fused `[tokens, 3 width]`
    /// query, key and value rows, with attention limited to each sequence.
    ///
    /// - Parameters:
    ///   - queryKeyValue: Each row holds the query, then the key, then the value, each `width` wide.
    ///   - offsets: The first row of each sequence, ending with the total row count.
    ///   - width: The model width, `headCount * headSize`.
    ///   - headCount: The number of attention heads.
    ///   - isCausal: Whether a token may attend only to itself and earlier tokens (CLIP's text tower).
    static func selfAttention(
        _ queryKeyValue: [Float],
        offsets: [Int],
        width: Int,
        headCount: Int,
        isCausal: Bool = false
    ) -> [Float] {
        let stride = 3 * width
        var context = [Float](repeating: 0, count: offsets.last! * width)
        queryKeyValue.withUnsafeBufferPointer { qkv in
            context.withUnsafeMutableBufferPointer { context in
                for sequenceIndex in 0..<(offsets.count - 1) {
                    let first = offsets[sequenceIndex]
                    let length = offsets[sequenceIndex + 1] - first
                    let query = qkv.baseAddress! + first * stride
                    Self.attend(
                        query: query,
                        queryCount: length,
                        queryStride: stride,
                        key: query + width,
                        value: query + 2 * width,
                        keyCount: length,
                        keyValueStride: stride,
                        into: context.baseAddress! + first * width,
                        contextStride: width,
                        width: width,
                        headCount: headCount,
                        isCausal: isCausal
                    )
                }
            }
        }
        return context
    }

    /// Computes scaled dot-product attention for every head of one sequence and writes each
    /// head's context into its columns of `context`.
    static func attend(
        query: UnsafePointer<Float>,
        queryCount: Int,
        queryStride: Int,
        key: UnsafePointer<Float>,
        value: UnsafePointer<Float>,
        keyCount: Int,
        keyValueStride: Int,
        into context: UnsafeMutablePointer<Float>,
        contextStride: Int,
        width: Int,
        headCount: Int,
        isCausal: Bool
    ) {
        let headSize = width / headCount
        let scale = 1 / Float(headSize).squareRoot()
        var scores = [Float](repeating: 0, count: queryCount * keyCount)
        scores.withUnsafeMutableBufferPointer { scores in
            for head in 0..<headCount {
                let offset = head * headSize
                // scores = Q K^T / sqrt(head size), then a softmax per row
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(queryCount), Int32(keyCount), Int32(headSize),
                    scale, query + offset, Int32(queryStride), key + offset, Int32(keyValueStride),
                    0, scores.baseAddress!, Int32(keyCount)
                )
                for row in 0..<queryCount {
                    let values = scores.baseAddress! + row * keyCount
                    let visible = isCausal ? row + 1 : keyCount
                    var maximum = -Float.infinity
                    for column in 0..<visible {
                        maximum = max(maximum, values[column])
                    }
                    var sum: Float = 0
                    for column in 0..<visible {
                        values[column] = exp(values[column] - maximum)
                        sum += values[column]
                    }
                    for column in 0..<visible {
                        values[column] /= sum
                    }
                    for column in visible..<keyCount {
                        values[column] = 0
                    }
                }
                // context = P V, written into this head's columns
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(queryCount), Int32(headSize), Int32(keyCount),
                    1, scores.baseAddress!, Int32(keyCount), value + offset, Int32(keyValueStride),
                    0, context + offset, Int32(contextStride)
                )
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
