/// A file format `POST /export/transcript` writes.
public enum TranscriptFormat: String, Sendable, CaseIterable {
    case txt
    case csv
    case docx
    case pdf
    case srt
    case vtt

    /// The file name extension, without the dot.
    public var fileExtension: String {
        self.rawValue
    }

    /// The media type of the format, as sent in the `mime_type` field.
    public var mimeType: String {
        switch self {
        case .txt: "text/plain; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .pdf: "application/pdf"
        case .srt: "application/x-subrip"
        case .vtt: "text/vtt; charset=utf-8"
        }
    }
}
