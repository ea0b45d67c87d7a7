import Foundation
import JumperCore

/// The `config.json` of a Hugging Face `CLIPModel` or `SiglipModel` checkpoint.
///
/// `save_pretrained` omits values equal to the class defaults, so every read falls back to the
/// default of transformers 4.40 for that model family.
struct CheckpointConfig: Sendable {
    /// One tower's values, with the text or vision defaults of the family.
    struct Tower: Sendable {
        let shape: TowerShape
        let vocabularySize: Int
        let maxPositions: Int
        let eosTokenID: Int
        let imageSize: Int
        let patchSize: Int
        let projectionSize: Int
    }

    let path: String
    let modelType: String
    let text: Tower
    let vision: Tower

    /// Reads `config.json` and checks that it describes `expectedType` (`clip` or `siglip`).
    ///
    /// - Throws: `InferenceError.missingModelFile` or `.invalidModelFile` naming the value.
    init(path: String, expectedType: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InferenceError.missingModelFile(path: path)
        }
        let json: JSON
        do {
            json = try JSON.parse(data)
        } catch {
            throw InferenceError.invalidModelFile(path: path, reason: "not valid JSON: \(error)")
        }
        let modelType = json["model_type"]?.stringValue ?? ""
        guard modelType == expectedType else {
            throw InferenceError.invalidModelFile(path: path, reason: "model_type is '\(modelType)', expected '\(expectedType)'")
        }
        let isCLIP = expectedType == "clip"
        let projection = json["projection_dim"]?.intValue ?? 512
        let text = json["text_config"] ?? JSON.object(JSONObject())
        let vision = json["vision_config"] ?? JSON.object(JSONObject())
        self.path = path
        self.modelType = modelType
        self.text = try Self.tower(
            text,
            path: path,
            defaults: isCLIP ? [512, 2048, 12, 8] : [768, 3072, 12, 12],
            epsilon: isCLIP ? 1e-5 : 1e-6,
            activation: isCLIP ? "quick_gelu" : "gelu_pytorch_tanh",
            projection: projection,
            vocabulary: isCLIP ? 49408 : 32000,
            positions: isCLIP ? 77 : 64,
            eos: isCLIP ? 2 : 1
        )
        self.vision = try Self.tower(
            vision,
            path: path,
            defaults: [768, 3072, 12, 12],
            epsilon: isCLIP ? 1e-5 : 1e-6,
            activation: isCLIP ? "quick_gelu" : "gelu_pytorch_tanh",
            projection: projection,
            vocabulary: 0,
            positions: 0,
            eos: 0,
            imageSize: isCLIP ? 224 : 224,
            patchSize: isCLIP ? 32 : 16
        )
    }

    private static func tower(
        _ json: JSON,
        path: String,
        defaults: [Int],
        epsilon: Float,
        activation: String,
        projection: Int,
        vocabulary: Int,
        positions: Int,
        eos: Int,
        imageSize: Int = 0,
        patchSize: Int = 0
    ) throws -> Tower {
        func integer(_ key: String, _ fallback: Int) -> Int {
            json[key]?.intValue ?? fallback
        }
        let activationName = json["hidden_act"]?.stringValue ?? activation
        guard let activation = TransformerMath.Activation(configName: activationName) else {
            throw InferenceError.invalidModelFile(path: path, reason: "hidden_act '\(activationName)' is not supported, expected gelu, gelu_pytorch_tanh or quick_gelu")
        }
        let shape = TowerShape(
            width: integer("hidden_size", defaults[0]),
            intermediateSize: integer("intermediate_size", defaults[1]),
            layerCount: integer("num_hidden_layers", defaults[2]),
            headCount: integer("num_attention_heads", defaults[3]),
            layerNormEpsilon: Float(json["layer_norm_eps"]?.doubleValue ?? Double(epsilon)),
            activation: activation
        )
        guard shape.headCount > 0, shape.width % shape.headCount == 0 else {
            throw InferenceError.invalidModelFile(path: path, reason: "hidden_size \(shape.width) is not a multiple of num_attention_heads \(shape.headCount)")
        }
        let tower = Tower(
            shape: shape,
            vocabularySize: integer("vocab_size", vocabulary),
            maxPositions: integer("max_position_embeddings", positions),
            eosTokenID: integer("eos_token_id", eos),
            imageSize: integer("image_size", imageSize),
            patchSize: integer("patch_size", patchSize),
            projectionSize: projection
        )
        if patchSize > 0, tower.patchSize <= 0 || tower.imageSize % tower.patchSize != 0 {
            throw InferenceError.invalidModelFile(path: path, reason: "image_size \(tower.imageSize) is not a multiple of patch_size \(tower.patchSize)")
        }
        return tower
    }
}
