/// TensorFlow "SAME" padding along one axis: the output has `ceil(size / stride)` values and
/// the odd extra padding pixel goes after (right or bottom).
struct SamePadding {
    let outputSize: Int
    let before: Int
    let after: Int

    init(inputSize: Int, kernel: Int, stride: Int) {
        self.outputSize = (inputSize + stride - 1) / stride
        let total = max((self.outputSize - 1) * stride + kernel - inputSize, 0)
        self.before = total / 2
        self.after = total - total / 2
    }
}

/// Convolution weights with BatchNorm folded in: `w' = w * gamma / sqrt(var + eps)` and
/// `b' = beta - mean * gamma / sqrt(var + eps)`.
struct FoldedConvolutionWeights {
    /// `[outChannels][inChannels * kernel * kernel]`, scaled per output channel.
    let weights: [Float]
    /// One bias per output channel.
    let bias: [Float]

    /// Reads `convolution` and BatchNorm `batchNorm` (with `.weight`, `.bias`, `.running_mean`,
    /// `.running_var`) from `file` and folds them.
    init(
        file: SafeTensorsFile,
        convolution: String,
        shape: [Int],
        batchNorm: String,
        epsilon: Float
    ) throws {
        let outChannels = shape[0]
        let gamma = try file.floats(batchNorm + ".weight", shape: [outChannels])
        let beta = try file.floats(batchNorm + ".bias", shape: [outChannels])
        let mean = try file.floats(batchNorm + ".running_mean", shape: [outChannels])
        let variance = try file.floats(batchNorm + ".running_var", shape: [outChannels])
        var weights = try file.floats(convolution + ".weight", shape: shape)

        let perChannel = weights.count / outChannels
        var bias = [Float](repeating: 0, count: outChannels)
        for channel in 0..<outChannels {
            // Folding in Double keeps the rounding to one float step per weight.
            let scale = Double(gamma[channel]) / (Double(variance[channel]) + Double(epsilon)).squareRoot()
            for index in (channel * perChannel)..<((channel + 1) * perChannel) {
                weights[index] = Float(Double(weights[index]) * scale)
            }
            bias[channel] = Float(Double(beta[channel]) - Double(mean[channel]) * scale)
        }
        self.weights = weights
        self.bias = bias
    }
}

/// A 1x1 convolution, computed as one GEMM over the whole batch:
/// `[pixels, inChannels] x [outChannels, inChannels]^T`.
struct PointwiseConvolution {
    let inChannels: Int
    let outChannels: Int
    let parameters: FoldedConvolutionWeights
    let relu6: Bool

    /// Returns the convolved map, whose values come from `pool` (the GEMM overwrites them all).
    func apply(_ input: FeatureMap, pool: ActivationPool) -> FeatureMap {
        precondition(input.channels == self.inChannels, "pointwise convolution input has \(input.channels) channels")
        var output = FeatureMap(
            channels: self.outChannels,
            batch: input.batch,
            height: input.height,
            width: input.width,
            pool: pool
        )
        output.values.withUnsafeMutableBufferPointer { target in
            self.parameters.weights.withUnsafeBufferPointer { weights in
                input.values.withUnsafeBufferPointer { source in
                    matrixMultiply(
                        source.baseAddress!,
                        weights.baseAddress!,
                        into: target.baseAddress!,
                        m: input.pixelCount,
                        n: self.outChannels,
                        k: self.inChannels,
                        transposeB: true
                    )
                }
            }
            addBiasAndActivation(target, bias: self.parameters.bias, relu6: self.relu6)
        }
        return output
    }
}

/// A full convolution (every input channel to every output channel) by im2col and GEMM,
/// used for the 3x3 stem.
struct DenseConvolution {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let parameters: FoldedConvolutionWeights

    /// Returns the convolved map, whose values come from `pool` (the GEMM overwrites them all).
    func apply(_ input: FeatureMap, pool: ActivationPool) -> FeatureMap {
        precondition(input.channels == self.inChannels, "convolution input has \(input.channels) channels")
        let rows = SamePadding(inputSize: input.height, kernel: self.kernel, stride: self.stride)
        let columns = SamePadding(inputSize: input.width, kernel: self.kernel, stride: self.stride)
        let outHeight = rows.outputSize
        let outWidth = columns.outputSize
        let patchCount = input.batch * outHeight * outWidth
        let patchLength = self.inChannels * self.kernel * self.kernel

        // im2col: one row per output pixel, ordered (channel, ky, kx) like the weights
        var patches = [Float](repeating: 0, count: patchCount * patchLength)
        patches.withUnsafeMutableBufferPointer { patches in
            input.values.withUnsafeBufferPointer { source in
                var patch = 0
                for image in 0..<input.batch {
                    for oy in 0..<outHeight {
                        for ox in 0..<outWidth {
                            let target = patches.baseAddress! + patch * patchLength
                            for ky in 0..<self.kernel {
                                let iy = oy * self.stride + ky - rows.before
                                guard iy >= 0, iy < input.height else { continue }
                                for kx in 0..<self.kernel {
                                    let ix = ox * self.stride + kx - columns.before
                                    guard ix >= 0, ix < input.width else { continue }
                                    let pixel = ((image * input.height + iy) * input.width + ix) * self.inChannels
                                    for channel in 0..<self.inChannels {
                                        target[(channel * self.kernel + ky) * self.kernel + kx] = source[pixel + channel]
                                    }
                                }
                            }
                            patch += 1
                        }
                    }
                }
            }
        }

        var output = FeatureMap(channels: self.outChannels, batch: input.batch, height: outHeight, width: outWidth, pool: pool)
        output.values.withUnsafeMutableBufferPointer { target in
            self.parameters.weights.withUnsafeBufferPointer { weights in
                patches.withUnsafeBufferPointer { patches in
                    matrixMultiply(
                        patches.baseAddress!,
                        weights.baseAddress!,
                        into: target.baseAddress!,
                        m: patchCount,
                        n: self.outChannels,
                        k: patchLength,
                        transposeB: true
                    )
                }
            }
            addBiasAndActivation(target, bias: self.parameters.bias, relu6: true)
        }
        return output
    }
}
