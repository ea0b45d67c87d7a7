import Analysis
import HTTPServer
import JumperCore

/// Descriptions of the visual models for `/models/available`.
private let visualModelCatalog: [(key: String, name: String, description: String, resolution: Int, dimension: Int)] = [
    (
        "label-bridge-384", "Label bridge 384",
        "EfficientNet-Lite0 ImageNet classifier bridged into the all-MiniLM-L6-v2 sentence space",
        224, 384
    ),
    ("clip-vit-b-32", "CLIP ViT-B/32", "OpenAI CLIP ViT-B/32 image and text towers", 224, 512),
    ("siglip-base-16-256", "SigLIP base 16/256", "SigLIP ViT-B/16 at 256 px", 256, 768),
]

extension APIService {
    func health() -> HTTPResponse {
        .json(["status": "ok"])
    }

    func loadedModels() -> HTTPResponse {
        .json(self.loadedModelsJSON())
    }

    func loadedModelsJSON() -> JSON {
        let visual = self.models.visualState
        return [
            "visual": ["model_key": JSON(visual.modelKey), "is_loading": .bool(visual.isLoading)],
            "speech": ["model_key": JSON(self.speech.state.modelKey), "is_loading": .bool(self.speech.state.isLoading)],
            "faces": ["model_key": JSON(self.runner.faces.state.modelKey), "is_loading": .bool(self.runner.faces.state.isLoading)],
        ]
    }

    func availableModels() -> HTTPResponse {
        let active = self.models.activeKey
        let visual = visualModelCatalog.map { entry -> JSON in
            [
                "model_key": .string(entry.key),
                "name": .string(entry.name),
                "description": .string(entry.description),
                "downloaded": .bool(self.models.isDownloaded(key: entry.key)),
                "active": .bool(entry.key == active),
                "size_bytes": JSON(self.models.folderSize(key: entry.key)),
                "input_resolution": .number(Double(entry.resolution)),
                "languages": entry.key == "label-bridge-384" ? ["en"] : "multilingual",
                "embedding_dim": .number(Double(entry.dimension)),
            ]
        }
        let activeSpeech = self.speech.activeKey
        let speech = SpeechModels.keys.map { key -> JSON in
            [
                "model_key": .string(key),
                "name": .string("Whisper " + key.dropFirst("whisper-".count)),
                "description": "OpenAI Whisper through whisper.cpp, with Silero voice-activity detection",
                "downloaded": .bool(self.speech.isDownloaded(key: key)),
                "active": .bool(key == activeSpeech),
                "size_bytes": JSON(self.models.folderSize(key: key)),
                "languages": key.hasSuffix("-en") ? ["en"] : "multilingual",
            ]
        }
        let faces: JSON = [
            "model_key": .string(FaceModels.modelKey),
            "name": "dlib ResNet 128",
            "description": "dlib HOG face detector, 5-point alignment and 128-D ResNet face embedding",
            "downloaded": .bool(self.runner.faces.isDownloaded),
            // the only face model, so it is always the one analysis uses
            "active": true,
            "size_bytes": JSON(self.models.folderSize(key: FaceModels.modelKey)),
            "embedding_dim": .number(Double(FaceModels.embeddingDimension)),
        ]
        return .json(["visual": .array(visual), "speech": .array(speech), "faces": [faces]])
    }

    /// `POST /models/load`: makes the named visual and speech models the active ones and loads
    /// them in the background. Both keys are checked before either model starts loading.
    func loadModels(_ fields: RequestFields) throws -> HTTPResponse {
        guard fields.has("visual_model") || fields.has("speech_model") else {
            throw APIError.badRequest(
                "Missing field: give 'visual_model', 'speech_model' or both, with keys from GET \(Self.basePath)/models/available."
            )
        }

        var visualKey: String?
        if fields.has("visual_model") {
            let key = try self.models.resolveVisualKey(try fields.string("visual_model"))
            guard self.models.isDownloaded(key: key) else {
                throw ModelError.notInstalled(key: key, folder: self.models.folder(forKey: key))
            }
            visualKey = key
        }
        var speechKey: String?
        if fields.has("speech_model") {
            let key = try self.speech.resolveKey(try fields.string("speech_model"))
            guard self.speech.isDownloaded(key: key) else {
                throw ModelError.notInstalled(key: key, folder: self.speech.modelsDirectory + "/" + key)
            }
            speechKey = key
        }

        var loading: [String] = []
        if let visualKey {
            self.models.startLoading(key: visualKey)
            loading.append("visual model '\(visualKey)'")
        }
        if let speechKey {
            self.speech.startLoading(key: speechKey)
            loading.append("speech model '\(speechKey)'")
        }
        var body = self.loadedModelsJSON().objectValue ?? JSONObject()
        body["message"] = .string("Loading \(loading.joined(separator: " and ")) in the background")
        return .json(.object(body), status: 202)
    }
}
