/// A visual model that users install from a Hugging Face checkpoint: its key, the hub
/// repository it downloads from and the files its folder needs.
public struct InstallableModel: Sendable, Equatable {
    /// One file of the checkpoint folder.
    public struct File: Sendable, Equatable {
        public let name: String
        /// Whether installing fails without it; optional files are copied or fetched when present.
        public let isRequired: Bool
    }

    public let key: String
    /// The Hugging Face hub repository, such as `openai/clip-vit-base-patch32`.
    public let repository: String
    public let files: [File]

    /// The models that `ModelInstaller` installs.
    public static let all: [InstallableModel] = [
        InstallableModel(
            key: CLIPModel.key,
            repository: "openai/clip-vit-base-patch32",
            files: [
                File(name: "config.json", isRequired: true),
                File(name: "model.safetensors", isRequired: true),
                File(name: "vocab.json", isRequired: true),
                File(name: "merges.txt", isRequired: true),
                File(name: "tokenizer.json", isRequired: false),
                File(name: "tokenizer_config.json", isRequired: false),
                File(name: "special_tokens_map.json", isRequired: false),
                File(name: "preprocessor_config.json", isRequired: false),
            ]
        ),
        InstallableModel(
            key: SigLIPModel.key,
            repository: "google/siglip-base-patch16-256",
            files: [
                File(name: "config.json", isRequired: true),
                File(name: "model.safetensors", isRequired: true),
                File(name: "spiece.model", isRequired: true),
                File(name: "tokenizer_config.json", isRequired: false),
                File(name: "special_tokens_map.json", isRequired: false),
                File(name: "preprocessor_config.json", isRequired: false),
            ]
        ),
    ]

    /// Returns the installable model of `key`.
    ///
    /// - Throws: `InferenceError.unknownModelKey` listing the installable keys.
    public static func named(_ key: String) throws -> InstallableModel {
        guard let model = Self.all.first(where: { $0.key == key }) else {
            throw InferenceError.unknownModelKey(key: key, supported: Self.all.map(\.key))
        }
        return model
    }
}
