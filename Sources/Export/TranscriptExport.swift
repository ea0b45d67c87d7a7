import Foundation
import Speech

/// A transcript rendered in one format: the bytes plus the name and media type to send.
public struct TranscriptExport: Sendable {
    public let content: [UInt8]
    /// A file name safe on every file system: the media's name with the format's extension.
    public let fileName: String
    public let format: TranscriptFormat

    /// Renders `transcript` of the media at `mediaPath` in `format`.
    ///
    /// SRT and VTT always carry cue times; `includeTimestamps` only affects the other formats.
    ///
    /// - Throws: `ExportError.pdfFailed` or `.writeFailed` when the PDF cannot be drawn.
    public init(
        transcript: Transcript,
        mediaPath: String,
        format: TranscriptFormat,
        includeTimestamps: Bool,
        now: Date = Date()
    ) throws(ExportError) {
        let title = (mediaPath as NSString).lastPathComponent
        let stem = ((title as NSString).deletingPathExtension as String)
        let cues = TranscriptCue.cues(from: transcript)
        self.format = format
        self.fileName = FileNameSanitizer.safeName(stem, suffix: "." + format.fileExtension, fallback: "transcript")

        switch format {
        case .txt:
            self.content = Array(TextTranscriptWriter.text(cues, includeTimestamps: includeTimestamps).utf8)
        case .csv:
            self.content = Array(TextTranscriptWriter.csv(cues, includeTimestamps: includeTimestamps).utf8)
        case .srt:
            self.content = Array(TextTranscriptWriter.srt(cues).utf8)
        case .vtt:
            self.content = Array(TextTranscriptWriter.vtt(cues).utf8)
        case .docx:
            self.content = DocxWriter.document(
                cues,
                title: title,
                includeTimestamps: includeTimestamps,
                created: DateParts(now)
            )
        case .pdf:
            self.content = try Self.renderPDF(cues, title: title, includeTimestamps: includeTimestamps)
        }
    }

    /// Draws the PDF into a temporary file, because Cairo writes PDF surfaces to a path, and
    /// returns its bytes.
    private static func renderPDF(_ cues: [TranscriptCue], title: String, includeTimestamps: Bool) throws(ExportError)
        -> [UInt8]
    {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "jumper-transcript-\(UUID().uuidString).pdf"
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PDFTranscriptWriter.write(cues, title: title, includeTimestamps: includeTimestamps, to: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .writeFailed(path: path, reason: "the PDF Cairo wrote cannot be read back")
        }
        return [UInt8](data)
    }
}
