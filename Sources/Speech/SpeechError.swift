/// Errors of the speech engine and its audio decoder.
public enum SpeechError: Error, CustomStringConvertible, Equatable {
    case unknownModel(key: String, known: [String])
    case modelFileMissing(path: String)
    case modelLoadFailed(path: String)
    case unsupportedLanguage(code: String)
    case transcriptionFailed(function: String, code: Int32)
    case cancelled
    case invalidTranscript(field: String)
    /// The media layer could not read the file's audio; `reason` is its message.
    case audioUnreadable(path: String, reason: String)
    case noAudioStream(path: String)

    public var description: String {
        switch self {
        case .unknownModel(let key, let known):
            return "unknown speech model '\(key)'; use one of \(known.map { "'\($0)'" }.joined(separator: ", "))"
        case .modelFileMissing(let path):
            return "speech model file '\(path)' not found; run scripts/fetch-speech-models.sh to install it"
        case .modelLoadFailed(let path):
            return "whisper.cpp failed to load '\(path)'; the file is damaged or not a ggml Whisper model, re-run scripts/fetch-speech-models.sh"
        case .unsupportedLanguage(let code):
            return "unsupported speech language '\(code)'; use 'auto' or a Whisper language code such as 'en' or 'fr'"
        case .transcriptionFailed(let function, let code):
            return "whisper.cpp \(function) failed with code \(code)"
        case .cancelled:
            return "transcription cancelled"
        case .invalidTranscript(let field):
            return "invalid transcript JSON: field '\(field)' is missing or has the wrong type"
        case .audioUnreadable(_, let reason):
            return "reading audio failed: \(reason)"
        case .noAudioStream(let path):
            return "media file '\(path)' has no decodable audio stream"
        }
    }
}
