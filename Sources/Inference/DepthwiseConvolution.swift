import Dispatch

/// A depthwise convolution (one k x k filter per channel) with SAME padding, BatchNorm
/// folded in and ReLU6, written as plain loops because BLAS has no depthwise kernel.
///
/// The innermost loop runs over the contiguous channels of one pixel, so it vectorises for
/// every stride, and padding costs only a skipped tap instead of a padded copy.
struct DepthwiseConvolution {
    let channels: Int
    let kernel: Int
    let stride: Int
    /// Folded weights transposed to `[kernel * kernel][channels]`, one bias per channel.
    private let tapWeights: [Float]
    private let bias: [Float]

    /// The number of output rows handed to each concurrent worker.
    private static let rowsPerChunk = 4

    init(channels: Int, kernel: Int, stride: Int, parameters: FoldedConvolutionWeights) {
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        let taps = kernel * kernel
        var tapWeights = [Float](repeating: 0, count: taps * channels)
        for channel in 0..<channels {
            for tap in 0..<taps {
                tapWeights[tap * channels + channel] = parameters.weights[channel * taps + tap]
            }
        }
        self.tapWeights = tapWeights
        self.bias = parameters.bias
    }

    /// Returns the convolved map, whose values come from `pool` (every output value is written).
    func apply(_ input: FeatureMap, pool: ActivationPool) -> FeatureMap {
        precondition(input.channels == self.channels, "depthwise convolution input has \(input.channels) channels")
        let rows = SamePadding(inputSize: input.height, kernel: self.kernel, stride: self.stride)
        let columns = SamePadding(inputSize: input.width, kernel: self.kernel, stride: self.stride)
        var output = FeatureMap(
            channels: self.channels,
            batch: input.batch,
            height: rows.outputSize,
            width: columns.outputSize,
            pool: pool
        )

        let rowCount = input.batch * rows.outputSize
        let chunkCount = (rowCount + Self.rowsPerChunk - 1) / Self.rowsPerChunk
        output.values.withUnsafeMutableBufferPointer { target in
            input.values.withUnsafeBufferPointer { source in
                let targetBuffer = SharedFloatBuffer(address: target.baseAddress!)
                let sourceBuffer = SharedFloatBuffer(address: UnsafeMutablePointer(mutating: source.baseAddress!))
                // Each chunk writes only its own output rows, so the workers never share memory.
                DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                    let first = chunk * Self.rowsPerChunk
                    self.convolveRows(
                        first..<min(first + Self.rowsPerChunk, rowCount),
                        inputHeight: input.height,
                        inputWidth: input.width,
                        rows: rows,
                        columns: columns,
                        source: sourceBuffer.address,
                        target: targetBuffer.address
                    )
                }
            }
        }
        return output
    }

    /// Computes output rows, numbered `image * outHeight + oy` across the batch.
    private func convolveRows(
        _ outputRows: Range<Int>,
        inputHeight: Int,
        inputWidth: Int,
        rows: SamePadding,
        columns: SamePadding,
        source: UnsafePointer<Float>,
        target: UnsafeMutablePointer<Float>
    ) {
        let channels = self.channels
        let outWidth = columns.outputSize
        self.tapWeights.withUnsafeBufferPointer { tapWeights in
            self.bias.withUnsafeBufferPointer { bias in
                for outputRow in outputRows {
                    let image = outputRow / rows.outputSize
                    let oy = outputRow % rows.outputSize
                    for ox in 0..<outWidth {
                        let accumulator = target + (outputRow * outWidth + ox) * channels
                        accumulator.update(from: bias.baseAddress!, count: channels)
                        for ky in 0..<self.kernel {
                            let iy = oy * self.stride + ky - rows.before
                            guard iy >= 0, iy < inputHeight else { continue }
                            for kx in 0..<self.kernel {
                                let ix = ox * self.stride + kx - columns.before
                                guard ix >= 0, ix < inputWidth else { continue }
                                let pixel = source + ((image * inputHeight + iy) * inputWidth + ix) * channels
                                let weights = tapWeights.baseAddress! + (ky * self.kernel + kx) * channels
                                for channel in 0..<channels {
                                    accumulator[channel] += weights[channel] * pixel[channel]
                                }
                            }
                        }
                        for channel in 0..<channels {
                            accumulator[channel] = min(max(accumulator[channel], 0), 6)
                        }
                    }
                }
            }
        }
    }
}
