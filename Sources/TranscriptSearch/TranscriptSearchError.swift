/// Errors of the transcript search index.
public enum TranscriptSearchError: Error, CustomStringConvertible, Equatable {
    case openFailed(path: String, code: Int32, message: String)
    case sqliteFailed(operation: String, code: Int32, message: String)
    case invalidTranscript(hashString: String, field: String)

    public var description: String {
        switch self {
        case .openFailed(let path, let code, let message):
            return "failed to open transcript index '\(path)' (SQLite \(code): \(message)); check that the folder exists and is writable"
        case .sqliteFailed(let operation, let code, let message):
            return "transcript index \(operation) failed (SQLite \(code): \(message))"
        case .invalidTranscript(let hashString, let field):
            return "transcript of '\(hashString)' is invalid: field '\(field)' is missing or has the wrong type"
        }
    }
}
