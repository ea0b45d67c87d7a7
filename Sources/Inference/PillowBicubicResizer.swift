import JumperCore

/// Resizes RGB24 images with Pillow's bicubic filter and 8-bit fixed-point arithmetic, so that
/// the output matches `Image.resize(size, Image.BICUBIC)` (Pillow 9.4) byte for byte.
///
/// Pillow runs a horizontal pass, rounds to 8 bits, then a vertical pass. Each output pixel
/// weighs the inputs within two pixels, times the downscaling factor, of its centre, with the
/// cubic kernel of a = -0.5 and weights in 22-bit fixed point. The Hugging Face CLIP and SigLIP
/// image processors resize through Pillow, so matching it keeps embeddings equal to theirs.
enum PillowBicubicResizer {
    private static let precisionBits = 32 - 8 - 2

    /// The fixed-point weights of every output pixel along one axis.
    private struct Coefficients {
        let starts: [Int]
        let counts: [Int]
        let weights: [Int]
        let kernelSize: Int
    }

    /// Returns the resized image as RGB24 bytes, `width * height * 3` long.
    ///
    /// - Precondition: both sizes of the input and output are positive.
    static func resize(_ image: RGBImage, width: Int, height: Int) -> [UInt8] {
        precondition(image.width > 0 && image.height > 0 && width > 0 && height > 0, "resize needs positive sizes")
        let horizontal = Self.coefficients(inputSize: image.width, outputSize: width)
        let vertical = Self.coefficients(inputSize: image.height, outputSize: height)

        // horizontal pass over the rows that the vertical pass reads
        let firstRow = vertical.starts[0]
        let lastRow = vertical.starts[height - 1] + vertical.counts[height - 1]
        let needsHorizontal = width != image.width
        let rowCount = lastRow - firstRow
        var temporary: [UInt8]
        if needsHorizontal {
            temporary = [UInt8](repeating: 0, count: rowCount * width * 3)
            image.pixels.withUnsafeBufferPointer { pixels in
                for row in 0..<rowCount {
                    let source = (row + firstRow) * image.width * 3
                    for x in 0..<width {
                        let start = horizontal.starts[x]
                        let weightStart = x * horizontal.kernelSize
                        var red = 1 << (Self.precisionBits - 1)
                        var green = red
                        var blue = red
                        for tap in 0..<horizontal.counts[x] {
                            let weight = horizontal.weights[weightStart + tap]
                            let pixel = source + (start + tap) * 3
                            red += Int(pixels[pixel]) * weight
                            green += Int(pixels[pixel + 1]) * weight
                            blue += Int(pixels[pixel + 2]) * weight
                        }
                        let target = (row * width + x) * 3
                        temporary[target] = Self.clip(red)
                        temporary[target + 1] = Self.clip(green)
                        temporary[target + 2] = Self.clip(blue)
                    }
                }
            }
        } else {
            temporary = Array(image.pixels[(firstRow * width * 3)..<(lastRow * width * 3)])
        }
        if height == image.height {
            return temporary
        }

        // vertical pass
        var output = [UInt8](repeating: 0, count: width * height * 3)
        temporary.withUnsafeBufferPointer { source in
            for y in 0..<height {
                let start = vertical.starts[y] - firstRow
                let weightStart = y * vertical.kernelSize
                for column in 0..<(width * 3) {
                    var sum = 1 << (Self.precisionBits - 1)
                    for tap in 0..<vertical.counts[y] {
                        sum += Int(source[(start + tap) * width * 3 + column]) * vertical.weights[weightStart + tap]
                    }
                    output[y * width * 3 + column] = Self.clip(sum)
                }
            }
        }
        return output
    }

    private static func clip(_ value: Int) -> UInt8 {
        let shifted = value >> Self.precisionBits
        return UInt8(min(max(shifted, 0), 255))
    }

    /// The bicubic kernel with a = -0.5, as in Pillow's `bicubic_filter`.
    private static func cubic(_ value: Double) -> Double {
        let a = -0.5
        let x = abs(value)
        if x < 1 {
            return ((a + 2) * x - (a + 3)) * x * x + 1
        }
        if x < 2 {
            return (((x - 5) * x + 8) * x - 4) * a
        }
        return 0
    }

    /// Computes the taps of each output pixel as Pillow's `precompute_coeffs` and
    /// `normalize_coeffs_8bpc` do.
    private static func coefficients(inputSize: Int, outputSize: Int) -> Coefficients {
        let support = 2.0
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let scaledSupport = support * filterScale
        let kernelSize = Int(scaledSupport.rounded(.up)) * 2 + 1
        var starts: [Int] = []
        var counts: [Int] = []
        var weights = [Int](repeating: 0, count: outputSize * kernelSize)
        for output in 0..<outputSize {
            let centre = (Double(output) + 0.5) * scale
            let inverseScale = 1 / filterScale
            let first = max(Int(centre - scaledSupport + 0.5), 0)
            let end = min(Int(centre + scaledSupport + 0.5), inputSize)
            let count = end - first
            var values: [Double] = []
            var total = 0.0
            for tap in 0..<count {
                let weight = Self.cubic((Double(tap + first) - centre + 0.5) * inverseScale)
                values.append(weight)
                total += weight
            }
            for tap in 0..<count {
                let normalised = total != 0 ? values[tap] / total : values[tap]
                let fixed = normalised * Double(1 << Self.precisionBits)
                weights[output * kernelSize + tap] = Int(fixed < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            starts.append(first)
            counts.append(count)
        }
        return Coefficients(starts: starts, counts: counts, weights: weights, kernelSize: kernelSize)
    }
}
