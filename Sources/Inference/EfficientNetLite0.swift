/// EfficientNet-Lite0, the ImageNet-1k classifier of the label bridge, on BLAS.
///
/// Architecture: a 3x3 stride-2 stem to 32 channels, then 16 MBConv blocks of 1x1 expansion,
/// depthwise k x k and 1x1 projection without squeeze-excitation. A 1x1 head to 1280
/// channels, a global mean and a linear layer give the 1000 logits. Convolutions use TensorFlow "SAME" padding,
/// activations are ReLU6, BatchNorm (eps 1e-3) is folded into the weights at load time.
/// Weight names follow the `efficientnet-lite0-57934424.pth` state dict (`_conv_stem`,
/// `_blocks.N._expand_conv`, `_fc`, ...).
final class EfficientNetLite0: Sendable {
    /// The input side length in pixels.
    static let inputSize = 224
    static let classCount = 1000
    private static let batchNormEpsilon: Float = 1e-3
    private static let headChannels = 1280

    /// One stage of identical MBConv blocks.
    private struct Stage {
        let repeats: Int
        let kernel: Int
        let stride: Int
        let expandRatio: Int
        let inChannels: Int
        let outChannels: Int
    }

    private static let stages = [
        Stage(repeats: 1, kernel: 3, stride: 1, expandRatio: 1, inChannels: 32, outChannels: 16),
        Stage(repeats: 2, kernel: 3, stride: 2, expandRatio: 6, inChannels: 16, outChannels: 24),
        Stage(repeats: 2, kernel: 5, stride: 2, expandRatio: 6, inChannels: 24, outChannels: 40),
        Stage(repeats: 3, kernel: 3, stride: 2, expandRatio: 6, inChannels: 40, outChannels: 80),
        Stage(repeats: 3, kernel: 5, stride: 1, expandRatio: 6, inChannels: 80, outChannels: 112),
        Stage(repeats: 4, kernel: 5, stride: 2, expandRatio: 6, inChannels: 112, outChannels: 192),
        Stage(repeats: 1, kernel: 3, stride: 1, expandRatio: 6, inChannels: 192, outChannels: 320),
    ]

    /// One inverted-residual block.
    private struct Block: Sendable {
        let expand: PointwiseConvolution?
        let depthwise: DepthwiseConvolution
        let project: PointwiseConvolution
        let hasResidual: Bool

        /// Returns the block output and hands every intermediate map back to `pool`.
        func apply(_ input: FeatureMap, pool: ActivationPool) -> FeatureMap {
            var expanded = input
            if let expand = self.expand {
                expanded = expand.apply(input, pool: pool)
            }
            var filtered = self.depthwise.apply(expanded, pool: pool)
            if self.expand != nil {
                pool.recycle(&expanded.values)
            }
            var output = self.project.apply(filtered, pool: pool)
            pool.recycle(&filtered.values)
            if self.hasResidual {
                output.add(input)
            }
            return output
        }
    }

    private let stem: DenseConvolution
    private let blocks: [Block]
    private let head: PointwiseConvolution
    private let classifierWeights: [Float]
    private let classifierBias: [Float]
    private let pool = ActivationPool()

    /// Loads and folds the weights from a converted `safetensors` file.
    ///
    /// - Throws: `InferenceError` naming the missing or misshapen tensor.
    init(file: SafeTensorsFile) throws {
        let epsilon = Self.batchNormEpsilon
        self.stem = DenseConvolution(
            inChannels: 3,
            outChannels: 32,
            kernel: 3,
            stride: 2,
            parameters: try FoldedConvolutionWeights(
                file: file,
                convolution: "_conv_stem",
                shape: [32, 3, 3, 3],
                batchNorm: "_bn0",
                epsilon: epsilon
            )
        )

        var blocks: [Block] = []
        for stage in Self.stages {
            for repeatIndex in 0..<stage.repeats {
                let prefix = "_blocks.\(blocks.count)."
                let inChannels = repeatIndex == 0 ? stage.inChannels : stage.outChannels
                let stride = repeatIndex == 0 ? stage.stride : 1
                let hidden = inChannels * stage.expandRatio

                var expand: PointwiseConvolution?
                if stage.expandRatio != 1 {
                    expand = PointwiseConvolution(
                        inChannels: inChannels,
                        outChannels: hidden,
                        parameters: try FoldedConvolutionWeights(
                            file: file,
                            convolution: prefix + "_expand_conv",
                            shape: [hidden, inChannels, 1, 1],
                            batchNorm: prefix + "_bn0",
                            epsilon: epsilon
                        ),
                        relu6: true
                    )
                }
                let depthwise = DepthwiseConvolution(
                    channels: hidden,
                    kernel: stage.kernel,
                    stride: stride,
                    parameters: try FoldedConvolutionWeights(
                        file: file,
                        convolution: prefix + "_depthwise_conv",
                        shape: [hidden, 1, stage.kernel, stage.kernel],
                        batchNorm: prefix + "_bn1",
                        epsilon: epsilon
                    )
                )
                let project = PointwiseConvolution(
                    inChannels: hidden,
                    outChannels: stage.outChannels,
                    parameters: try FoldedConvolutionWeights(
                        file: file,
                        convolution: prefix + "_project_conv",
                        shape: [stage.outChannels, hidden, 1, 1],
                        batchNorm: prefix + "_bn2",
                        epsilon: epsilon
                    ),
                    relu6: false
                )
                blocks.append(
                    Block(
                        expand: expand,
                        depthwise: depthwise,
                        project: project,
                        hasResidual: stride == 1 && inChannels == stage.outChannels
                    )
                )
            }
        }
        self.blocks = blocks

        self.head = PointwiseConvolution(
            inChannels: 320,
            outChannels: Self.headChannels,
            parameters: try FoldedConvolutionWeights(
                file: file,
                convolution: "_conv_head",
                shape: [Self.headChannels, 320, 1, 1],
                batchNorm: "_bn1",
                epsilon: epsilon
            ),
            relu6: true
        )
        self.classifierWeights = try file.floats("_fc.weight", shape: [Self.classCount, Self.headChannels])
        self.classifierBias = try file.floats("_fc.bias", shape: [Self.classCount])
    }

    /// Computes the 1000 ImageNet logits of each image in a batch.
    ///
    /// - Parameter images: Normalised 3 x 224 x 224 inputs, channels-first, one array per image.
    /// - Returns: One array of 1000 logits per image, in input order.
    func logits(_ images: [[Float]]) -> [[Float]] {
        let size = Self.inputSize
        let area = size * size
        let batch = images.count
        guard batch > 0 else { return [] }

        // pack the channels-first images channels-last: [batch][224][224][3]
        var packed = [Float](repeating: 0, count: batch * area * 3)
        for (imageIndex, image) in images.enumerated() {
            precondition(image.count == 3 * area, "EfficientNet input must be 3 x 224 x 224")
            let base = imageIndex * area * 3
            for pixel in 0..<area {
                packed[base + pixel * 3] = image[pixel]
                packed[base + pixel * 3 + 1] = image[area + pixel]
                packed[base + pixel * 3 + 2] = image[2 * area + pixel]
            }
        }

        var x = self.stem.apply(FeatureMap(channels: 3, batch: batch, height: size, width: size, values: packed), pool: self.pool)
        for block in self.blocks {
            let output = block.apply(x, pool: self.pool)
            self.pool.recycle(&x.values)
            x = output
        }
        var head = self.head.apply(x, pool: self.pool)
        self.pool.recycle(&x.values)
        let pooled = head.spatialMean()
        self.pool.recycle(&head.values)

        // classifier: [batch, 1280] x [1000, 1280]^T
        var logits = [Float](repeating: 0, count: batch * Self.classCount)
        logits.withUnsafeMutableBufferPointer { target in
            self.classifierWeights.withUnsafeBufferPointer { weights in
                pooled.withUnsafeBufferPointer { pooled in
                    matrixMultiply(
                        pooled.baseAddress!,
                        weights.baseAddress!,
                        into: target.baseAddress!,
                        m: batch,
                        n: Self.classCount,
                        k: Self.headChannels,
                        transposeB: true
                    )
                }
            }
            addBiasAndActivation(target, bias: self.classifierBias, relu6: false)
        }
        return (0..<batch).map { imageIndex in
            Array(logits[(imageIndex * Self.classCount)..<((imageIndex + 1) * Self.classCount)])
        }
    }
}
