import JumperCore

/// Turns an RGB frame into EfficientNet input the way torchvision's ImageNet evaluation does:
/// resize the shorter side to 256 with antialiased bilinear filtering, centre-crop 224 x 224,
/// scale to [0, 1] and normalise with the ImageNet mean and standard deviation.
enum ImagePreprocessor {
    static let resizeShorterSide = 256
    static let cropSize = EfficientNetLite0.inputSize
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let standardDeviation: [Float] = [0.229, 0.224, 0.225]

    /// Returns the normalised 3 x 224 x 224 input, channels-first.
    ///
    /// - Throws: `InferenceError.invalidImage` when a side is zero.
    static func networkInput(from image: RGBImage) throws -> [Float] {
        guard image.width > 0, image.height > 0 else {
            throw InferenceError.invalidImage(width: image.width, height: image.height, reason: "a side is zero")
        }

        // torchvision truncates the longer side: int(256 * long / short).
        let shorter = min(image.width, image.height)
        let resizedWidth = image.width == shorter ? Self.resizeShorterSide : Self.resizeShorterSide * image.width / shorter
        let resizedHeight = image.height == shorter ? Self.resizeShorterSide : Self.resizeShorterSide * image.height / shorter

        // The crop offset rounds half to even, like Python's round() in torchvision's CenterCrop.
        let left = Int((Double(resizedWidth - Self.cropSize) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(resizedHeight - Self.cropSize) / 2).rounded(.toNearestOrEven))
        let columnFilter = ResamplingFilter(
            inputSize: image.width,
            outputSize: resizedWidth,
            outputRange: left..<(left + Self.cropSize)
        )
        let rowFilter = ResamplingFilter(
            inputSize: image.height,
            outputSize: resizedHeight,
            outputRange: top..<(top + Self.cropSize)
        )

        // horizontal pass over the input rows that the vertical pass reads: [row][x][rgb]
        let rowRange = rowFilter.inputRange
        let crop = Self.cropSize
        var horizontal = [Float](repeating: 0, count: rowRange.count * crop * 3)
        image.pixels.withUnsafeBufferPointer { pixels in
            for (rowOffset, y) in rowRange.enumerated() {
                let sourceRow = y * image.width * 3
                for x in 0..<crop {
                    var red: Float = 0
                    var green: Float = 0
                    var blue: Float = 0
                    let taps = columnFilter.taps[x]
                    for (tapIndex, weight) in taps.weights.enumerated() {
                        let source = sourceRow + (taps.start + tapIndex) * 3
                        red += weight * Float(pixels[source])
                        green += weight * Float(pixels[source + 1])
                        blue += weight * Float(pixels[source + 2])
                    }
                    let target = (rowOffset * crop + x) * 3
                    horizontal[target] = red
                    horizontal[target + 1] = green
                    horizontal[target + 2] = blue
                }
            }
        }

        // vertical pass, then scale to [0, 1] and normalise into channels-first planes
        var output = [Float](repeating: 0, count: 3 * crop * crop)
        let area = crop * crop
        for y in 0..<crop {
            let taps = rowFilter.taps[y]
            for x in 0..<crop {
                for channel in 0..<3 {
                    var sum: Float = 0
                    for (tapIndex, weight) in taps.weights.enumerated() {
                        let row = taps.start + tapIndex - rowRange.lowerBound
                        sum += weight * horizontal[(row * crop + x) * 3 + channel]
                    }
                    let scaled = min(max(sum, 0), 255) / 255
                    output[channel * area + y * crop + x] = (scaled - Self.mean[channel]) / Self.standardDeviation[channel]
                }
            }
        }
        return output
    }
}

/// Antialiased bilinear (triangle) resampling weights along one axis, computed as Pillow's
/// `Image.resize(..., BILINEAR)` does: the filter support grows with the downscaling factor.
struct ResamplingFilter {
    /// The contributing input pixels of one output pixel.
    struct Taps {
        let start: Int
        let weights: [Float]
    }

    /// Taps for each output pixel in `outputRange`, indexed from zero.
    let taps: [Taps]
    /// The input pixels that any tap reads.
    let inputRange: Range<Int>

    init(inputSize: Int, outputSize: Int, outputRange: Range<Int>) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale
        var taps: [Taps] = []
        var lowest = inputSize
        var highest = 0
        for output in outputRange {
            let center = (Double(output) + 0.5) * scale
            var first = max(Int(center - support + 0.5), 0)
            var end = min(Int(center + support + 0.5), inputSize)
            var weights: [Double] = []
            for input in first..<end {
                let distance = abs((Double(input) - center + 0.5) / filterScale)
                weights.append(max(1 - distance, 0))
            }
            // Edge taps of weight zero read pixels for nothing, so they are dropped.
            while weights.count > 1, weights.last == 0 {
                weights.removeLast()
                end -= 1
            }
            while weights.count > 1, weights.first == 0 {
                weights.removeFirst()
                first += 1
            }
            let total = weights.reduce(0, +)
            let normalised = weights.map { Float(total > 0 ? $0 / total : 0) }
            taps.append(Taps(start: first, weights: normalised))
            lowest = min(lowest, first)
            highest = max(highest, end)
        }
        self.taps = taps
        self.inputRange = lowest..<max(highest, lowest)
    }
}
