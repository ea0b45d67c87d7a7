import Dispatch

/// A depthwise convolution (one k x k filter per channel) with SAME padding, BatchNorm
/// folded in and ReLU6, written as plain loops because BLAS has no depthwise kernel.
struct DepthwiseConvolution {
    let channels: Int
    let kernel: Int
    let stride: Int
    /// `[channels][kernel * kernel]` folded weights and one bias per channel.
    let parameters: FoldedConvolutionWeights

    /// The number of planes handed to each concurrent worker.
    private static let planesPerChunk = 16

    func apply(_ input: FeatureMap) -> FeatureMap {
        precondition(input.channels == self.channels, "depthwise convolution input has \(input.channels) channels")
        let rows = SamePadding(inputSize: input.height, kernel: self.kernel, stride: self.stride)
        let columns = SamePadding(inputSize: input.width, kernel: self.kernel, stride: self.stride)
        var output = FeatureMap(
            channels: self.channels,
            batch: input.batch,
            height: rows.outputSize,
            width: columns.outputSize
        )

        let planeCount = self.channels * input.batch
        let chunkCount = (planeCount + Self.planesPerChunk - 1) / Self.planesPerChunk
        output.values.withUnsafeMutableBufferPointer { target in
            input.values.withUnsafeBufferPointer { source in
                let targetBuffer = SharedFloatBuffer(address: target.baseAddress!)
                let sourceBuffer = SharedFloatBuffer(address: UnsafeMutablePointer(mutating: source.baseAddress!))
                // Each chunk writes only its own planes, so the workers never share memory.
                DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                    let first = chunk * Self.planesPerChunk
                    let last = min(first + Self.planesPerChunk, planeCount)
                    self.convolvePlanes(
                        first..<last,
                        batch: input.batch,
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

    private func convolvePlanes(
        _ planes: Range<Int>,
        batch: Int,
        inputHeight: Int,
        inputWidth: Int,
        rows: SamePadding,
        columns: SamePadding,
        source: UnsafePointer<Float>,
        target: UnsafeMutablePointer<Float>
    ) {
        let paddedHeight = inputHeight + rows.before + rows.after
        let paddedWidth = inputWidth + columns.before + columns.after
        let outHeight = rows.outputSize
        let outWidth = columns.outputSize
        let taps = self.kernel * self.kernel
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: paddedHeight * paddedWidth)
        padded.initialize(repeating: 0, count: paddedHeight * paddedWidth)
        defer { padded.deallocate() }

        self.parameters.weights.withUnsafeBufferPointer { weights in
            for plane in planes {
                let channel = plane / batch
                let input = source + plane * inputHeight * inputWidth
                let output = target + plane * outHeight * outWidth

                // Copy the plane into the zero border once, so the tap loops need no bounds checks.
                for y in 0..<inputHeight {
                    let row = padded + (y + rows.before) * paddedWidth + columns.before
                    row.update(from: input + y * inputWidth, count: inputWidth)
                }

                let bias = self.parameters.bias[channel]
                let filter = weights.baseAddress! + channel * taps
                for oy in 0..<outHeight {
                    let outRow = output + oy * outWidth
                    outRow.initialize(repeating: bias, count: outWidth)
                    for ky in 0..<self.kernel {
                        let inRow = padded + (oy * self.stride + ky) * paddedWidth
                        for kx in 0..<self.kernel {
                            let weight = filter[ky * self.kernel + kx]
                            let start = inRow + kx
                            if self.stride == 1 {
                                for ox in 0..<outWidth {
                                    outRow[ox] += weight * start[ox]
                                }
                            } else {
                                for ox in 0..<outWidth {
                                    outRow[ox] += weight * start[ox * self.stride]
                                }
                            }
                        }
                    }
                    for ox in 0..<outWidth {
                        outRow[ox] = min(max(outRow[ox], 0), 6)
                    }
                }
            }
        }
    }
}
