import Dispatch
import Foundation
import JumperCore

/// The default visual search model `label-bridge-384`: an ImageNet classifier
/// (EfficientNet-Lite0) bridged into the text space of a sentence embedder
/// (all-MiniLM-L6-v2).
///
/// A frame's vector is the probability-weighted sum of the text embeddings of its top
/// `topClassCount` ImageNet classes, each embedded as the prompt "a photo of a {class}",
/// renormalised to unit length. A query's vector is its own text embedding. The model is
/// strong on objects and animals that ImageNet covers and weak on people and actions, which
/// ImageNet has no classes for.
///
/// Thread-safety: every call allocates its own buffers, so `embedText` and `embedImages` may
/// run concurrently from different threads.
public final class LabelBridgeModel: VisualEmbeddingModel {
    public static let key = "label-bridge-384"
    /// The number of top classes mixed into a frame vector. Eight covers nearly all the
    /// probability mass of confident predictions while keeping near-synonym classes (tabby,
    /// tiger cat, Egyptian Mau) together.
    // NOTE: 8 was chosen by judgment and checked only on four photos, not tuned on a labelled set.
    public static let topClassCount = 8
    /// The number of images that run through the image network as one batch.
    public static let imageBatchSize = 8
    static let classCount = EfficientNetLite0.classCount

    public let modelKey = LabelBridgeModel.key
    public let dimension = BertEncoder.hiddenSize
    /// The 1000 clean ImageNet class names, by class index.
    public let classNames: [String]

    let imageNetwork: EfficientNetLite0
    let textEncoder: BertEncoder
    let tokenizer: WordPieceTokenizer
    /// `[1000][384]` unit-length text embeddings of the class prompts.
    let classEmbeddings: [[Float]]

    init(
        classNames: [String],
        imageNetwork: EfficientNetLite0,
        textEncoder: BertEncoder,
        tokenizer: WordPieceTokenizer,
        classEmbeddings: [[Float]]
    ) {
        self.classNames = classNames
        self.imageNetwork = imageNetwork
        self.textEncoder = textEncoder
        self.tokenizer = tokenizer
        self.classEmbeddings = classEmbeddings
    }

    // MARK: - Embedding

    public func embedImages(_ images: [RGBImage]) throws -> [[Float]] {
        try self.imageProbabilities(images).map { self.bridgeVector(probabilities: $0) }
    }

    public func embedText(_ text: String) throws -> [Float] {
        self.textEncoder.embeddings([self.tokenizer.tokenIDs(for: text)])[0]
    }

    /// Returns the `count` most probable ImageNet classes of each image, most probable first.
    public func labels(for images: [RGBImage], count: Int = 5) throws -> [[ImageLabel]] {
        try self.imageProbabilities(images).map { probabilities in
            Self.topIndices(probabilities, count: count).map { index in
                ImageLabel(classIndex: index, name: self.classNames[index], probability: probabilities[index])
            }
        }
    }

    /// Returns the text that stands for ImageNet class `name` in the text space.
    static func prompt(forClassName name: String) -> String {
        // One clean name ("a cat having a striped coat") brings its own article.
        let lowered = name.lowercased()
        if lowered.hasPrefix("a ") || lowered.hasPrefix("an ") {
            return "a photo of \(name)"
        }
        return "a photo of a \(name)"
    }

    /// Returns the 1000-class softmax of each image, running the network in batches.
    func imageProbabilities(_ images: [RGBImage]) throws -> [[Float]] {
        var probabilities: [[Float]] = []
        probabilities.reserveCapacity(images.count)
        for batchStart in stride(from: 0, to: images.count, by: Self.imageBatchSize) {
            let batch = Array(images[batchStart..<min(batchStart + Self.imageBatchSize, images.count)])
            let inputs = try batch.map { try ImagePreprocessor.networkInput(from: $0) }
            for logits in self.imageNetwork.logits(inputs) {
                probabilities.append(Self.softmax(logits))
            }
        }
        return probabilities
    }

    /// Mixes the class embeddings of the top classes by their renormalised probabilities.
    func bridgeVector(probabilities: [Float]) -> [Float] {
        let top = Self.topIndices(probabilities, count: Self.topClassCount)
        let mass = top.reduce(Float(0)) { $0 + probabilities[$1] }
        var vector = [Float](repeating: 0, count: self.dimension)
        for index in top {
            let weight = probabilities[index] / mass
            let embedding = self.classEmbeddings[index]
            for column in 0..<self.dimension {
                vector[column] += weight * embedding[column]
            }
        }
        return l2Normalised(vector)
    }

    static func softmax(_ logits: [Float]) -> [Float] {
        let maximum = logits.max() ?? 0
        let exponentials = logits.map { exp($0 - maximum) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    static func topIndices(_ values: [Float], count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] > values[$1] }.prefix(max(count, 0)))
    }
}
