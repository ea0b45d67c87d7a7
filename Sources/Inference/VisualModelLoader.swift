import Foundation
import JumperCore

/// Internal access to the parts of the CLIP and SigLIP engines that tests compare with the
/// reference implementation.
protocol ImageTextTowers: VisualEmbeddingModel {
    var preprocessor: ImageTowerPreprocessor { get }
    /// Returns the token ids that `embedText` feeds to the text tower.
    func textTokenIDs(for text: String) -> [Int]
}

extension CLIPModel: ImageTextTowers {
    func textTokenIDs(for text: String) -> [Int] {
        self.tokenizer.tokenIDs(for: text, maxLength: self.config.text.maxPositions)
    }
}

extension SigLIPModel: ImageTextTowers {
    func textTokenIDs(for text: String) -> [Int] {
        self.tokenizer.tokenIDs(for: text, length: self.config.text.maxPositions)
    }
}

/// Loads a visual search model by its key from its folder.
public enum VisualModelLoader {
    /// The model keys this engine implements, default first.
    public static let supportedKeys = [LabelBridgeModel.key, CLIPModel.key, SigLIPModel.key]

    /// Loads the model `key` from `directory` (usually `<models>/<key>`), picking the
    /// implementation by key.
    ///
    /// - Parameters:
    ///   - key: `label-bridge-384`, `clip-vit-b-32` or `siglip-base-16-256`.
    ///   - directory: The model folder; for CLIP and SigLIP a Hugging Face checkpoint folder.
    ///   - logger: Receives load timings.
    /// - Throws: `InferenceError.unknownModelKey` for another key, otherwise the loader's
    ///   `InferenceError` naming the missing or invalid file.
    public static func load(key: String, from directory: String, logger: Logger) throws -> any VisualEmbeddingModel {
        switch key {
        case LabelBridgeModel.key:
            return try LabelBridgeModel.load(from: directory, logger: logger)
        case CLIPModel.key:
            return try CLIPModel.load(from: directory, logger: logger)
        case SigLIPModel.key:
            return try SigLIPModel.load(from: directory, logger: logger)
        default:
            throw InferenceError.unknownModelKey(key: key, supported: Self.supportedKeys)
        }
    }
}
