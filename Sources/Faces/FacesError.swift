/// An error from face detection, embedding or clustering.
public enum FacesError: Error, Equatable, CustomStringConvertible {
    /// A model file is missing from the models folder.
    case modelFileMissing(path: String)
    /// dlib could not load a model file (wrong file, truncated download).
    case modelLoadFailed(message: String)
    /// A dlib call failed; `function` is the C function, `message` dlib's explanation.
    case computeFailed(function: String, code: Int, message: String)
    /// An argument is outside its valid range.
    case invalidArgument(name: String, value: String, expected: String)
    /// A cluster id is not part of the collection.
    case clusterNotFound(clusterID: String)
    /// A face id is not part of the collection.
    case faceNotFound(faceID: String)
    /// No face collection of this name exists in the cache folder.
    case collectionNotFound(name: String, cacheDirectory: String)
    /// Stored JSON lacks a field or has one of the wrong type.
    case invalidJSON(field: String, expected: String)
    /// An embedding has the wrong number of values.
    case embeddingDimensionMismatch(faceID: String, count: Int, expected: Int)

    public var description: String {
        switch self {
        case .modelFileMissing(let path):
            "face model file '\(path)' is missing: run scripts/fetch-face-models.sh"
        case .modelLoadFailed(let message):
            "face models failed to load: \(message); delete the models folder and run scripts/fetch-face-models.sh again"
        case .computeFailed(let function, let code, let message):
            "\(function) failed with status \(code): \(message)"
        case .invalidArgument(let name, let value, let expected):
            "invalid \(name) '\(value)': expected \(expected)"
        case .clusterNotFound(let clusterID):
            "cluster '\(clusterID)' not found in the face collection: list clusters to get valid ids"
        case .faceNotFound(let faceID):
            "face '\(faceID)' not found in the face collection"
        case .collectionNotFound(let name, let cacheDirectory):
            "face collection '\(name)' not found in cache_dir '\(cacheDirectory)': analyse media with "
                + "faces: true and cluster_job_name '\(name)' first"
        case .invalidJSON(let field, let expected):
            "invalid stored face data: field '\(field)' must be \(expected)"
        case .embeddingDimensionMismatch(let faceID, let count, let expected):
            "face '\(faceID)' has an embedding of \(count) values, expected \(expected)"
        }
    }
}
