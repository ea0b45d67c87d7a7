/// An error of the export module. Every case carries the value or file that failed.
public enum ExportError: Error, Sendable, Equatable {
    /// Writing a file failed; `reason` is the system's or library's message.
    case writeFailed(path: String, reason: String)
    /// Cairo or Pango failed while drawing the PDF.
    case pdfFailed(path: String, reason: String)
    /// Cutting a clip failed in the named FFmpeg function.
    case clipFailed(path: String, function: String, reason: String)
    /// The media cannot be cut: no video or audio stream, or a range outside the file.
    case unsupportedMedia(path: String, reason: String)
}

extension ExportError: CustomStringConvertible {
    /// One line saying what failed, on which file, and what to do.
    public var description: String {
        switch self {
        case .writeFailed(let path, let reason):
            "writing '\(path)' failed: \(reason); check that the folder exists and is writable"
        case .pdfFailed(let path, let reason):
            "drawing the PDF '\(path)' failed: \(reason)"
        case .clipFailed(let path, let function, let reason):
            "cutting '\(path)' failed: \(function) returned '\(reason)'"
        case .unsupportedMedia(let path, let reason):
            "'\(path)' cannot be cut: \(reason)"
        }
    }
}
