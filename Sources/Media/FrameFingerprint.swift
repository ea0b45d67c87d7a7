import JumperCore

/// A coarse summary of a frame for shot-boundary detection: the mean luma of a 16x9 grid of
/// cells and a 16-bin histogram per RGB channel, with each pixel split between its two
/// nearest bins.
///
/// The grid records where things are, so it changes on a cut and on camera motion. The histogram
/// ignores where things are, so it changes on a cut or a fade and little on a pan. Temporal
/// noise averages out in both.
struct FrameFingerprint: Sendable {
    static let gridColumns = 16
    static let gridRows = 9
    static let binsPerChannel = 16

    /// Mean luma per grid cell, 0 to 1, row-major.
    let grid: [Float]
    /// Fraction of pixels in each bin, red bins then green then blue; each channel sums to 1.
    let histogram: [Float]
    /// Mean luma of the whole frame, 0 to 1.
    let meanLuma: Float

    /// Summarises RGB24 pixels (`rowStride` bytes per row), reading every `step`-th pixel in
    /// each direction.
    init(pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, rowStride: Int, step: Int = 1) {
        let columns = Self.gridColumns
        let rows = Self.gridRows
        let bins = Self.binsPerChannel
        var sums = [Float](repeating: 0, count: columns * rows)
        var counts = [Float](repeating: 0, count: columns * rows)
        var histogram = [Float](repeating: 0, count: bins * 3)
        var totalLuma: Float = 0
        var pixelCount: Float = 0
        for y in stride(from: 0, to: height, by: step) {
            let cellRow = y * rows / height
            let rowStart = y * rowStride
            for x in stride(from: 0, to: width, by: step) {
                let offset = rowStart + x * 3
                let red = pixels[offset]
                let green = pixels[offset + 1]
                let blue = pixels[offset + 2]
                // BT.601 luma weights; the exact matrix does not matter for comparisons.
                let luma = 0.299 * Float(red) + 0.587 * Float(green) + 0.114 * Float(blue)
                let cell = cellRow * columns + x * columns / width

                sums[cell] += luma
                counts[cell] += 1
                Self.addSoftly(red, to: &histogram, offset: 0)
                Self.addSoftly(green, to: &histogram, offset: bins)
                Self.addSoftly(blue, to: &histogram, offset: 2 * bins)
                totalLuma += luma
                pixelCount += 1
            }
        }
        self.grid = zip(sums, counts).map { sum, count in count > 0 ? sum / (count * 255) : 0 }
        let total = max(1, pixelCount)
        self.histogram = histogram.map { $0 / total }
        self.meanLuma = totalLuma / (total * 255)
    }

    /// Splits one count between the two bins nearest to `value`, in proportion to its distance
    /// from their centres. A fade then moves the histogram smoothly instead of in jumps when
    /// many pixels cross a bin edge together.
    private static func addSoftly(_ value: UInt8, to histogram: inout [Float], offset: Int) {
        let position = (Float(value) + 0.5) * Float(self.binsPerChannel) / 256 - 0.5
        let lower = Int(position.rounded(.down))
        let weight = position - Float(lower)
        if lower >= 0 {
            histogram[offset + lower] += 1 - weight
        } else {
            histogram[offset] += 1 - weight
        }
        if lower + 1 < self.binsPerChannel {
            histogram[offset + lower + 1] += weight
        } else {
            histogram[offset + self.binsPerChannel - 1] += weight
        }
    }

    /// Summarises an RGB image, every second pixel when it is larger than 128 pixels wide.
    init(_ image: RGBImage) {
        let step = image.width > 128 ? 2 : 1
        self = image.pixels.withUnsafeBufferPointer { pixels in
            FrameFingerprint(pixels: pixels, width: image.width, height: image.height, rowStride: image.width * 3, step: step)
        }
    }

    /// Mean absolute difference of the grid cells, 0 to 1.
    func gridDistance(to other: FrameFingerprint) -> Float {
        var total: Float = 0
        for index in self.grid.indices {
            total += abs(self.grid[index] - other.grid[index])
        }
        return total / Float(self.grid.count)
    }

    /// Half the L1 distance between the histograms, averaged over the channels, 0 to 1.
    func histogramDistance(to other: FrameFingerprint) -> Float {
        var total: Float = 0
        for index in self.histogram.indices {
            total += abs(self.histogram[index] - other.histogram[index])
        }
        return total / 6
    }

    /// Returns the change from `other` as a multiple of the least change a hard cut makes:
    /// 1 means a grid distance of `cutGridDistance` or a histogram distance of
    /// `cutHistogramDistance`, whichever is reached first.
    func change(from other: FrameFingerprint) -> Float {
        max(
            self.gridDistance(to: other) / SceneBoundaryDetector.cutGridDistance,
            self.histogramDistance(to: other) / SceneBoundaryDetector.cutHistogramDistance
        )
    }
}
