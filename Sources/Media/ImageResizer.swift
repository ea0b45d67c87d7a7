import JumperCore

/// Downscales RGB images by area averaging: each output pixel is the mean of the input area it
/// covers, with partial pixels weighted by coverage, which avoids aliasing at any ratio.
public enum ImageResizer {
    /// Returns `image` scaled so its longer side is at most `maxLongSide` pixels, keeping the
    /// aspect ratio. Returns the image unchanged when it already fits; never enlarges.
    public static func resized(_ image: RGBImage, maxLongSide: Int) -> RGBImage {
        precondition(maxLongSide > 0, "maxLongSide must be positive")
        let longSide = max(image.width, image.height)
        guard longSide > maxLongSide else { return image }

        let scale = Double(maxLongSide) / Double(longSide)
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        return self.areaResample(image, toWidth: width, height: height)
    }

    /// One output pixel's source span: the first source index and the weight of each source
    /// pixel it covers. Weights sum to 1.
    private struct Span {
        let start: Int
        let weights: [Float]
    }

    private static func spans(from sourceLength: Int, to outputLength: Int) -> [Span] {
        let ratio = Double(sourceLength) / Double(outputLength)
        return (0..<outputLength).map { index in
            let begin = Double(index) * ratio
            let end = min(Double(sourceLength), begin + ratio)
            let first = Int(begin)
            let last = min(sourceLength - 1, Int((end - 1e-9).rounded(.down)))
            var weights: [Float] = []
            for source in first...max(first, last) {
                let covered = min(end, Double(source + 1)) - max(begin, Double(source))
                weights.append(Float(covered / (end - begin)))
            }
            return Span(start: first, weights: weights)
        }
    }

    private static func areaResample(_ image: RGBImage, toWidth width: Int, height: Int) -> RGBImage {
        let columnSpans = self.spans(from: image.width, to: width)
        let rowSpans = self.spans(from: image.height, to: height)

        // Horizontal pass into floats, one row of the source at a time.
        var horizontal = [Float](repeating: 0, count: width * image.height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            for y in 0..<image.height {
                let sourceRow = y * image.width * 3
                let outputRow = y * width * 3
                for (x, span) in columnSpans.enumerated() {
                    var red: Float = 0
                    var green: Float = 0
                    var blue: Float = 0
                    for (offset, weight) in span.weights.enumerated() {
                        let pixel = sourceRow + (span.start + offset) * 3
                        red += Float(source[pixel]) * weight
                        green += Float(source[pixel + 1]) * weight
                        blue += Float(source[pixel + 2]) * weight
                    }
                    horizontal[outputRow + x * 3] = red
                    horizontal[outputRow + x * 3 + 1] = green
                    horizontal[outputRow + x * 3 + 2] = blue
                }
            }
        }

        // Vertical pass, rounding to bytes.
        var output = [UInt8](repeating: 0, count: width * height * 3)
        let rowLength = width * 3
        for (y, span) in rowSpans.enumerated() {
            for component in 0..<rowLength {
                var sum: Float = 0
                for (offset, weight) in span.weights.enumerated() {
                    sum += horizontal[(span.start + offset) * rowLength + component] * weight
                }
                output[y * rowLength + component] = UInt8(min(255, max(0, sum.rounded())))
            }
        }
        return RGBImage(width: width, height: height, pixels: output)
    }
}
