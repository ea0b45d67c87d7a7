/// An error raised while loading or running a model.
///
/// Every case carries the file, tensor or value that failed, and its description says what to
/// do next.
public enum InferenceError: Error, CustomStringConvertible, Sendable {
    /// A model file is missing from the model folder.
    case missingModelFile(path: String)
    /// A model file exists but could not be read or parsed.
    case invalidModelFile(path: String, reason: String)
    /// A tensor that the architecture needs is absent from a weights file.
    case missingTensor(name: String, path: String)
    /// A tensor has a shape other than the architecture expects.
    case tensorShapeMismatch(name: String, expected: [Int], actual: [Int])
    /// A tensor is stored in a data type this reader does not convert.
    case unsupportedTensorType(name: String, dtype: String)
    /// An input image is too small or malformed to embed.
    case invalidImage(width: Int, height: Int, reason: String)
    /// A model key names no model this engine implements.
    case unknownModelKey(key: String, supported: [String])
    /// A model file could not be downloaded.
    case downloadFailed(url: String, reason: String)

    /// How to put a model's files back: the set-up script installs the default visual model,
    /// the models command the user-supplied ones.
    static let reinstallHint =
        "reinstall the model with scripts/fetch-models.sh (label-bridge-384) or `jumper models install KEY --from FOLDER`"

    public var description: String {
        switch self {
        case .missingModelFile(let path):
            return "model file '\(path)' not found: \(Self.reinstallHint)"
        case .invalidModelFile(let path, let reason):
            return "model file '\(path)' is invalid (\(reason)): \(Self.reinstallHint)"
        case .missingTensor(let name, let path):
            return "tensor '\(name)' not found in '\(path)': \(Self.reinstallHint)"
        case .tensorShapeMismatch(let name, let expected, let actual):
            return "tensor '\(name)' has shape \(actual), expected \(expected): the weights do not match the architecture"
        case .unsupportedTensorType(let name, let dtype):
            return "tensor '\(name)' has dtype '\(dtype)', expected F32 or F16"
        case .invalidImage(let width, let height, let reason):
            return "image of \(width)x\(height) pixels cannot be embedded: \(reason)"
        case .unknownModelKey(let key, let supported):
            return "model key '\(key)' is unknown: use one of \(supported.joined(separator: ", "))"
        case .downloadFailed(let url, let reason):
            return "download of '\(url)' failed: \(reason); check the mirror URL and the network, then retry"
        }
    }
}
