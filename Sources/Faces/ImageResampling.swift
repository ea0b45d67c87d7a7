import JumperCore

/// Resizing and cropping of RGB images for the detector input and the face crops.
///
/// Resizing is separable with a tent (triangle) filter: bilinear interpolation when
/// enlarging, and a tent as wide as the scale factor when shrinking, so downscaled
/// frames do not alias.
enum ImageResampling {
    /// Returns `image` resized to `width` x `height` pixels.
    static func resized(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "resize target must be at least 1x1")
        if width == image.width && height == image.height {
            return image
        }
        let horizontal = ResampleKernel(sourceCount: image.width, destinationCount: width)
        let vertical = ResampleKernel(sourceCount: image.height, destinationCount: height)

        // horizontal pass into floats: height of the source, width of the target
        var intermediate = [Float](repeating: 0, count: width * image.height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            intermediate.withUnsafeMutableBufferPointer { target in
                for row in 0..<image.height {
                    let sourceRow = row * image.width * 3
                    let targetRow = row * width * 3
                    for column in 0..<width {
                        var red: Float = 0
                        var green: Float = 0
                        var blue: Float = 0
                        let base = column * horizontal.tapCount
                        for tap in 0..<horizontal.tapCount {
                            let weight = horizontal.weights[base + tap]
                            let offset = sourceRow + horizontal.indices[base + tap] * 3
                            red += weight * Float(source[offset])
                            green += weight * Float(source[offset + 1])
                            blue += weight * Float(source[offset + 2])
                        }
                        let offset = targetRow + column * 3
                        target[offset] = red
                        target[offset + 1] = green
                        target[offset + 2] = blue
                    }
                }
            }
        }

        // vertical pass: accumulate weighted source rows, then round to bytes
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let rowLength = width * 3
        var accumulator = [Float](repeating: 0, count: rowLength)
        intermediate.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                accumulator.withUnsafeMutableBufferPointer { sums in
                    for row in 0..<height {
                        for index in 0..<rowLength {
                            sums[index] = 0
                        }
                        let base = row * vertical.tapCount
                        for tap in 0..<vertical.tapCount {
                            let weight = vertical.weights[base + tap]
                            if weight == 0 {
                                continue
                            }
                            let sourceRow = vertical.indices[base + tap] * rowLength
                            for index in 0..<rowLength {
                                sums[index] += weight * source[sourceRow + index]
                            }
                        }
                        let targetRow = row * rowLength
                        for index in 0..<rowLength {
                            target[targetRow + index] = UInt8(max(0, min(255, sums[index].rounded())))
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Returns the pixels of `image` inside the integer rectangle, which must lie in the image.
    static func cropped(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        precondition(
            x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= image.width && y + height <= image.height,
            "crop rectangle must lie inside the image"
        )
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for row in 0..<height {
                    let sourceStart = ((y + row) * image.width + x) * 3
                    let targetStart = row * width * 3
                    for index in 0..<(width * 3) {
                        target[targetStart + index] = source[sourceStart + index]
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// Filter taps of a one-dimensional resize: for each output pixel, `tapCount` source
/// indices and weights that sum to 1.
struct ResampleKernel {
    let tapCount: Int
    let indices: [Int]
    let weights: [Float]

    init(sourceCount: Int, destinationCount: Int) {
        let scale = Double(destinationCount) / Double(sourceCount)
        // tent radius in source pixels: 1 when enlarging, 1/scale when shrinking
        let radius = max(1.0, 1.0 / scale)
        let tapCount = Int((2 * radius).rounded(.up)) + 1
        var indices = [Int](repeating: 0, count: tapCount * destinationCount)
        var weights = [Float](repeating: 0, count: tapCount * destinationCount)

        for output in 0..<destinationCount {
            let center = (Double(output) + 0.5) / scale - 0.5
            let first = Int((center - radius).rounded(.down)) + 1
            var total = 0.0
            var raw = [Double](repeating: 0, count: tapCount)
            for tap in 0..<tapCount {
                let position = first + tap
                let weight = max(0, 1 - abs(Double(position) - center) / radius)
                raw[tap] = weight
                total += weight
                indices[output * tapCount + tap] = min(max(position, 0), sourceCount - 1)
            }
            for tap in 0..<tapCount {
                weights[output * tapCount + tap] = Float(total > 0 ? raw[tap] / total : 1.0 / Double(tapCount))
            }
        }
        self.tapCount = tapCount
        self.indices = indices
        self.weights = weights
    }
}
