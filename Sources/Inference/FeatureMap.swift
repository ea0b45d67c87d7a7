import COpenBLAS

/// A batch of feature maps stored channels-last as `[batch][height][width][channels]`.
///
/// With the channels of one pixel adjacent, a 1x1 convolution over the whole batch is one
/// GEMM of `[pixels, channels] x [channels, outChannels]`, and the depthwise loops run over
/// contiguous channels, which the compiler vectorises.
struct FeatureMap {
    let channels: Int
    let batch: Int
    let height: Int
    let width: Int
    var values: [Float]

    init(channels: Int, batch: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * batch * height * width, "feature map size does not match its shape")
        self.channels = channels
        self.batch = batch
        self.height = height
        self.width = width
        self.values = values
    }

    init(channels: Int, batch: Int, height: Int, width: Int) {
        self.init(
            channels: channels,
            batch: batch,
            height: height,
            width: width,
            values: [Float](repeating: 0, count: channels * batch * height * width)
        )
    }

    /// Creates a map whose values come from `pool` with unspecified contents, for layers that
    /// overwrite every value.
    init(channels: Int, batch: Int, height: Int, width: Int, pool: ActivationPool) {
        self.init(
            channels: channels,
            batch: batch,
            height: height,
            width: width,
            values: pool.take(count: channels * batch * height * width)
        )
    }

    /// The number of pixels over the whole batch: batch x height x width.
    var pixelCount: Int {
        self.batch * self.height * self.width
    }

    /// Adds `other` element by element, as a residual connection does.
    mutating func add(_ other: FeatureMap) {
        precondition(other.values.count == self.values.count, "residual shapes differ")
        let count = self.values.count
        self.values.withUnsafeMutableBufferPointer { target in
            other.values.withUnsafeBufferPointer { source in
                for index in 0..<count {
                    target[index] += source[index]
                }
            }
        }
    }

    /// Returns the mean over height and width, shaped `[batch][channels]`.
    func spatialMean() -> [Float] {
        let area = self.height * self.width
        var means = [Float](repeating: 0, count: self.batch * self.channels)
        self.values.withUnsafeBufferPointer { source in
            means.withUnsafeMutableBufferPointer { means in
                for image in 0..<self.batch {
                    let target = means.baseAddress! + image * self.channels
                    for pixel in 0..<area {
                        let row = source.baseAddress! + (image * area + pixel) * self.channels
                        for channel in 0..<self.channels {
                            target[channel] += row[channel]
                        }
                    }
                    for channel in 0..<self.channels {
                        target[channel] /= Float(area)
                    }
                }
            }
        }
        return means
    }
}

/// Adds a per-channel bias to each row of `bias.count` values and applies an optional
/// ReLU6, in place.
func addBiasAndActivation(_ values: UnsafeMutableBufferPointer<Float>, bias: [Float], relu6: Bool) {
    let channels = bias.count
    bias.withUnsafeBufferPointer { bias in
        for rowStart in stride(from: 0, to: values.count, by: channels) {
            let row = values.baseAddress! + rowStart
            if relu6 {
                for channel in 0..<channels {
                    row[channel] = min(max(row[channel] + bias[channel], 0), 6)
                }
            } else {
                for channel in 0..<channels {
                    row[channel] += bias[channel]
                }
            }
        }
    }
}

/// Computes `C = A x B` for row-major matrices with `cblas_sgemm`.
///
/// - Parameters:
///   - a: `m x k` values, or `k x m` when `transposeA` is true.
///   - b: `k x n` values, or `n x k` when `transposeB` is true.
///   - c: `m x n` output values, overwritten.
func matrixMultiply(
    _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>,
    into c: UnsafeMutablePointer<Float>,
    m: Int,
    n: Int,
    k: Int,
    transposeA: Bool = false,
    transposeB: Bool = false
) {
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m),
        Int32(n),
        Int32(k),
        1,
        a,
        Int32(transposeA ? m : k),
        b,
        Int32(transposeB ? k : n),
        0,
        c,
        Int32(n)
    )
}

/// A raw float buffer address handed to `DispatchQueue.concurrentPerform` workers.
///
/// `@unchecked Sendable` is sound only because each worker reads shared input and writes a
/// range of the buffer that no other worker touches, and the buffer outlives the call.
struct SharedFloatBuffer: @unchecked Sendable {
    let address: UnsafeMutablePointer<Float>
}
