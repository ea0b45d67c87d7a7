import AnalysisStore
import Export
import Foundation
import HTTPServer
import JumperCore
import Media

extension APIService {
    /// `POST /export/transcript`: the stored transcript of one media file as txt, csv, docx,
    /// pdf, srt or vtt, written to `output_path` or returned base64.
    func exportTranscript(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try fields.existingCacheDirectory()
        let mediaPath = try fields.requiredAbsolutePath("media_path")
        let formatName = try fields.requiredString("format")
        guard let format = TranscriptFormat(rawValue: formatName.lowercased()) else {
            let known = TranscriptFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("Field 'format' is '\(formatName)'; use one of \(known).")
        }
        let includeTimestamps = try fields.bool("include_timestamps", default: true)
        let outputPath = try fields.absolutePath("output_path")
        let overwrite = try fields.bool("overwrite", default: false)
        if let outputPath {
            try self.checkOutputPath(outputPath, field: "output_path", overwrite: overwrite)
        }

        let hash: String
        do {
            hash = try self.hashes.hashString(path: mediaPath)
        } catch {
            throw APIError.notFound("Field 'media_path' names '\(mediaPath)', which cannot be read: \(error).")
        }
        guard let transcript = try self.transcripts.transcript(cache: cache, hashString: hash) else {
            throw APIError.notFound(
                "'\(mediaPath)' has no transcript in cache_dir '\(cache.path)': analyse it with a speech model first."
            )
        }

        let export = try TranscriptExport(
            transcript: transcript,
            mediaPath: mediaPath,
            format: format,
            includeTimestamps: includeTimestamps
        )
        guard let outputPath else {
            return .json([
                "content": .string(Data(export.content).base64EncodedString()),
                "filename": .string(export.fileName),
                "mime_type": .string(format.mimeType),
            ])
        }
        try self.writeExport(export.content, to: outputPath, overwrite: overwrite)
        return .json([
            "output_path": .string(outputPath),
            "filename": .string((outputPath as NSString).lastPathComponent),
            "mime_type": .string(format.mimeType),
            "size_bytes": .number(Double(export.content.count)),
        ])
    }

    /// Throws a 400 for an output path inside the server's data folder, in a missing folder
    /// or naming a folder, and a 409 for an existing file without `overwrite`.
    func checkOutputPath(_ path: String, field: String, overwrite: Bool) throws {
        if OutputFile.isInside(path, folder: self.dataDirectory) {
            throw APIError.badRequest(
                "Field '\(field)' is '\(path)', inside the server's data folder '\(self.dataDirectory)'; choose a path outside it."
            )
        }
        var isFolder: ObjCBool = false
        let parent = (path as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder), isFolder.boolValue else {
            throw APIError.badRequest(
                "Field '\(field)' is '\(path)', but the folder '\(parent)' does not exist; create it first."
            )
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue {
                throw APIError.badRequest("Field '\(field)' is '\(path)', which is a folder; give a file path.")
            }
            if !overwrite {
                throw APIError.conflict(
                    "'\(path)' already exists; send \"overwrite\": true to replace it or choose another '\(field)'."
                )
            }
        }
    }

    /// Writes export bytes, mapping an existing file to 409 and other failures to 400.
    func writeExport(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        do {
            try OutputFile.write(bytes, to: path, overwrite: overwrite)
        } catch {
            if !overwrite && FileManager.default.fileExists(atPath: path) {
                throw APIError.conflict("'\(path)' already exists; send \"overwrite\": true to replace it.")
            }
            throw APIError.badRequest(error.description)
        }
    }

    /// Maps an export error to the contract's status and body: a path or media the client
    /// named is a 400, and a failure inside FFmpeg or Cairo is a 500 that is logged.
    func response(for error: ExportError, request: HTTPRequest) -> HTTPResponse {
        switch error {
        case .writeFailed, .unsupportedMedia:
            return APIError.badRequest(error.description).response
        case .pdfFailed, .clipFailed:
            self.logger.error("export failed", ["request.id": request.requestID, "error": error.description])
            return APIError(status: 500, title: "Export failed", message: error.description).response
        }
    }
}
