/// Errors of the transcript search index.
public enum TranscriptSearchError: Error, CustomStringConvertible, Equatable {
    case invalidTranscript(hashString: String, field: String)

    public var description: String {
        switch self {
        case .invalidTranscript(let hashString, let field):
            return "transcript of '\(hashString)' is invalid: field '\(field)' is missing or has the wrong type"
        }
    }
}
