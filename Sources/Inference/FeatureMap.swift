import COpenBLAS

/// A batch of feature maps stored channel-major as `[channels][batch][height][width]`.
///
/// Keeping the batch inside each channel makes a 1x1 convolution over the whole batch one
/// GEMM of `[outChannels, channels] x [channels, batch * height * width]`.
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

    /// The number of values per channel: batch x height x width.
    var planeCount: Int {
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

    /// Returns the mean over height and width, shaped `[channels][batch]`.
    func spatialMean() -> [Float] {
        let area = self.height * self.width
        var means = [Float](repeating: 0, count: self.channels * self.batch)
        self.values.withUnsafeBufferPointer { source in
            for plane in 0..<(self.channels * self.batch) {
                var sum: Float = 0
                for index in (plane * area)..<((plane + 1) * area) {
                    sum += source[index]
                }
                means[plane] = sum / Float(area)
            }
        }
        return means
    }
}

/// Applies a per-channel bias and an optional ReLU6 to rows of `rowLength` values, in place.
func addBiasAndActivation(
    _ values: UnsafeMutableBufferPointer<Float>,
    bias: [Float],
    rowLength: Int,
    relu6: Bool
) {
    for row in 0..<bias.count {
        let shift = bias[row]
        let start = row * rowLength
        if relu6 {
            for index in start..<(start + rowLength) {
                values[index] = min(max(values[index] + shift, 0), 6)
            }
        } else {
            for index in start..<(start + rowLength) {
                values[index] += shift
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
