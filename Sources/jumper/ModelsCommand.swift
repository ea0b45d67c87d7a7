import API
import Foundation
import Inference
import JumperCore

/// `jumper models install KEY --from FOLDER` and `jumper models download KEY`.
struct ModelsCommand {
    static let usage = """
        Usage: jumper models install KEY --from FOLDER [--models-dir PATH]
               jumper models download KEY [--base-url URL] [--models-dir PATH]

        Installs a visual model (clip-vit-b-32 or siglip-base-16-256) into the models folder:
          install   copies a Hugging Face checkpoint folder you have (config.json,
                    model.safetensors and the tokenizer files), after loading it once to check it
          download  fetches the checkpoint from a model mirror laid out like the Hugging Face hub
                    (default \(ModelInstaller.huggingFaceBaseURL.absoluteString)); an interrupted download resumes

        --models-dir defaults to the server's: $XDG_DATA_HOME/jumper/models or ~/.local/share/jumper/models.
        """

    let action: String
    let key: String
    var sourceFolder: String?
    var baseURL = ModelInstaller.huggingFaceBaseURL
    var modelsDirectory = (ServeOptions.defaultDataDirectory() as NSString).appendingPathComponent("models")

    /// Parses the arguments after `models`; throws a message naming the bad option.
    init(arguments: [String]) throws {
        guard arguments.count >= 2, ["install", "download"].contains(arguments[0]) else {
            throw ConfigurationError("expected 'install KEY --from FOLDER' or 'download KEY'; run 'jumper models --help'")
        }
        self.action = arguments[0]
        self.key = arguments[1]
        var remaining = arguments.dropFirst(2)
        while let option = remaining.popFirst() {
            guard let value = remaining.popFirst() else {
                throw ConfigurationError("option \(option) needs a value; run 'jumper models --help'")
            }
            switch option {
            case "--from": self.sourceFolder = absolutePath(value)
            case "--base-url":
                guard let url = URL(string: value), url.scheme == "http" || url.scheme == "https" else {
                    throw ConfigurationError("invalid --base-url '\(value)': give an http:// or https:// URL")
                }
                self.baseURL = url
            case "--models-dir": self.modelsDirectory = absolutePath(value)
            default: throw ConfigurationError("unknown option '\(option)'; run 'jumper models --help'")
            }
        }
        if self.action == "install" && self.sourceFolder == nil {
            throw ConfigurationError("'install' needs --from FOLDER, the folder holding the checkpoint")
        }
    }

    /// Installs or downloads the model and prints where it went.
    func run(logger: Logger) async throws {
        let installer = ModelInstaller(logger: logger)
        let manifest: ModelManifest
        if let sourceFolder = self.sourceFolder {
            manifest = try installer.install(key: self.key, fromFolder: sourceFolder, modelsDirectory: self.modelsDirectory)
        } else {
            manifest = try await installer.download(
                key: self.key,
                baseURL: self.baseURL,
                modelsDirectory: self.modelsDirectory
            ) { progress in
                let total = progress.fileSize.map { " of \($0)" } ?? ""
                print("\(progress.fileName): \(progress.bytesReceived)\(total) bytes")
            }
        }
        let folder = ModelInstaller.modelDirectory(key: self.key, modelsDirectory: self.modelsDirectory)
        print("installed \(manifest.modelKey) (\(manifest.totalSize) bytes) in \(folder)")
    }
}

private func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}
