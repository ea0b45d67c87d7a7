import Foundation

/// The patch convolution of a ViT (kernel and stride both `patchSize`), computed as one GEMM
/// of flattened patches with the flattened `[width, 3, patch, patch]` kernel.
struct PatchEmbedding: Sendable {
    let imageSize: Int
    let patchSize: Int
    let width: Int
    /// The kernel as `[width, 3 * patch * patch]`.
    private let weight: [Float]
    /// The convolution bias; CLIP's patch convolution has none.
    private let bias: [Float]?

    var patchCount: Int {
        let perSide = self.imageSize / self.patchSize
        return perSide * perSide
    }

    /// Loads `<prefix>.weight` and, when `hasBias`, `<prefix>.bias`.
    init(file: SafeTensorsFile, prefix: String, imageSize: Int, patchSize: Int, width: Int, hasBias: Bool) throws {
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.width = width
        self.weight = try file.floats(prefix + ".weight", shape: [width, 3, patchSize, patchSize])
        self.bias = hasBias ? try file.floats(prefix + ".bias", shape: [width]) : nil
    }

    /// Returns `[patchCount, width]` patch embeddings of a channels-first image, patches in
    /// row-major order.
    func embed(_ image: [Float]) -> [Float] {
        let size = self.imageSize
        let patch = self.patchSize
        let perSide = size / patch
        let patchLength = 3 * patch * patch
        precondition(image.count == 3 * size * size, "image has \(image.count) values, expected 3 x \(size) x \(size)")

        // gather each patch as one row in (channel, y, x) order, the kernel's layout
        var patches = [Float](repeating: 0, count: self.patchCount * patchLength)
        for patchY in 0..<perSide {
            for patchX in 0..<perSide {
                let row = (patchY * perSide + patchX) * patchLength
                for channel in 0..<3 {
                    for y in 0..<patch {
                        let source = channel * size * size + (patchY * patch + y) * size + patchX * patch
                        let target = row + (channel * patch + y) * patch
                        patches[target..<(target + patch)] = image[source..<(source + patch)]
                    }
                }
            }
        }
        return TransformerMath.linear(
            patches,
            rows: self.patchCount,
            inputs: patchLength,
            weight: self.weight,
            bias: self.bias,
            outputs: self.width
        )
    }
}
