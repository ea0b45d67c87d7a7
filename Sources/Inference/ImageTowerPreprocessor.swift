import JumperCore

/// Turns an RGB frame into ViT input as the Hugging Face image processors do: a Pillow bicubic
/// resize, an optional centre crop, scaling to [0, 1] and a per-channel mean and standard
/// deviation.
struct ImageTowerPreprocessor: Sendable {
    /// How the frame is fitted to the square input.
    enum Fit: Sendable {
        /// `CLIPImageProcessor`: resize the shorter side to the input size (the longer side is
        /// truncated, `int(size * long / short)`), then crop the centre square.
        case shorterSideAndCentreCrop
        /// `SiglipImageProcessor`: resize both sides to the input size, ignoring aspect ratio.
        case stretch
    }

    static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    static let clipStandardDeviation: [Float] = [0.26862954, 0.26130258, 0.27577711]

    let inputSize: Int
    let fit: Fit
    let mean: [Float]
    let standardDeviation: [Float]

    /// Returns the resized and cropped RGB24 pixels, `inputSize * inputSize * 3` bytes.
    ///
    /// - Throws: `InferenceError.invalidImage` when a side is zero.
    func croppedPixels(_ image: RGBImage) throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw InferenceError.invalidImage(width: image.width, height: image.height, reason: "a side is zero")
        }
        let size = self.inputSize
        switch self.fit {
        case .stretch:
            return PillowBicubicResizer.resize(image, width: size, height: size)
        case .shorterSideAndCentreCrop:
            let shorter = min(image.width, image.height)
            let width = image.width == shorter ? size : size * image.width / shorter
            let height = image.height == shorter ? size : size * image.height / shorter
            guard width >= size, height >= size else {
                throw InferenceError.invalidImage(width: image.width, height: image.height, reason: "resized to \(width)x\(height), smaller than the \(size) px crop")
            }
            let resized = PillowBicubicResizer.resize(image, width: width, height: height)
            // transformers' center_crop uses floor division for the offsets
            let top = (height - size) / 2
            let left = (width - size) / 2
            var crop = [UInt8](repeating: 0, count: size * size * 3)
            for y in 0..<size {
                let source = ((top + y) * width + left) * 3
                crop[(y * size * 3)..<((y + 1) * size * 3)] = resized[source..<(source + size * 3)]
            }
            return crop
        }
    }

    /// Returns the normalised channels-first input, `3 * inputSize * inputSize` values.
    ///
    /// - Throws: `InferenceError.invalidImage` when a side is zero.
    func networkInput(from image: RGBImage) throws -> [Float] {
        let crop = try self.croppedPixels(image)
        let area = self.inputSize * self.inputSize
        var output = [Float](repeating: 0, count: 3 * area)
        for channel in 0..<3 {
            // rescale and normalise in two float steps, as the processors do
            let mean = self.mean[channel]
            let deviation = self.standardDeviation[channel]
            for index in 0..<area {
                let scaled = Float(crop[index * 3 + channel]) * Float(1.0 / 255.0)
                output[channel * area + index] = (scaled - mean) / deviation
            }
        }
        return output
    }
}
