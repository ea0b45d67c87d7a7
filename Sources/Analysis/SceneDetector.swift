import JumperCore

/// Finds scene starts from the one-per-second frames by comparing consecutive frames.
///
/// Each frame is reduced to a coarse colour signature: a grid of mean colours and a colour
/// histogram. A new scene starts where the grid or the histogram changes more than a
/// threshold. At one frame per second a cut is placed at the first frame after it, so scene
/// starts are accurate to one second.
struct SceneDetector {
    /// Mean absolute difference of the colour grid, on a 0-1 scale, above which a cut is declared.
    static let gridThreshold: Float = 0.16
    /// Half the L1 distance between normalised colour histograms (0-1) above which a cut is declared.
    static let histogramThreshold: Float = 0.45

    private var previous: FrameSignature?
    private(set) var sceneStarts: [Double] = []

    /// Adds the next frame in time order.
    mutating func add(_ image: RGBImage, timeSeconds: Double) {
        let signature = FrameSignature(image)
        defer { self.previous = signature }
        guard let previous = self.previous else {
            self.sceneStarts = [timeSeconds]
            return
        }
        let gridChange = signature.gridDistance(to: previous)
        let histogramChange = signature.histogramDistance(to: previous)
        if gridChange > Self.gridThreshold || histogramChange > Self.histogramThreshold {
            self.sceneStarts.append(timeSeconds)
        }
    }
}

/// A coarse summary of a frame that is cheap to compare.
struct FrameSignature {
    static let gridSize = 16
    static let binsPerChannel = 8

    var grid: [Float]
    var histogram: [Float]

    init(_ image: RGBImage) {
        let size = Self.gridSize
        var sums = [Float](repeating: 0, count: size * size * 3)
        var counts = [Float](repeating: 0, count: size * size)
        var histogram = [Float](repeating: 0, count: Self.binsPerChannel * 3)
        // Every other pixel in each direction is plenty for a signature and halves the cost.
        let step = 2
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in stride(from: 0, to: image.height, by: step) {
                let cellY = y * size / image.height
                for x in stride(from: 0, to: image.width, by: step) {
                    let cell = cellY * size + x * size / image.width
                    let offset = (y * image.width + x) * 3
                    for channel in 0..<3 {
                        let value = pixels[offset + channel]
                        sums[cell * 3 + channel] += Float(value)
                        histogram[channel * Self.binsPerChannel + Int(value) * Self.binsPerChannel / 256] += 1
                    }
                    counts[cell] += 1
                }
            }
        }
        for cell in 0..<(size * size) where counts[cell] > 0 {
            for channel in 0..<3 {
                sums[cell * 3 + channel] /= counts[cell] * 255
            }
        }
        let total = max(1, histogram.reduce(0, +) / 3)
        self.grid = sums
        self.histogram = histogram.map { $0 / total }
    }

    func gridDistance(to other: FrameSignature) -> Float {
        var total: Float = 0
        for index in self.grid.indices {
            total += abs(self.grid[index] - other.grid[index])
        }
        return total / Float(self.grid.count)
    }

    func histogramDistance(to other: FrameSignature) -> Float {
        var total: Float = 0
        for index in self.histogram.indices {
            total += abs(self.histogram[index] - other.histogram[index])
        }
        // Each channel's histogram sums to 1, so the L1 distance per channel is at most 2.
        return total / 6
    }
}
