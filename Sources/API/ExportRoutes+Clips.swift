import Export
import Foundation
import HTTPServer
import JumperCore

extension APIService {
    /// The largest `handles` value in seconds: an hour on each side is already far more than
    /// an editor trims with.
    static let maxHandleSeconds = 3600.0

    /// `POST /export/clips`: cuts each clip into `output_dir`. A clip that fails is reported in
    /// `errors` and the others are still cut.
    func exportClips(_ fields: RequestFields) throws -> HTTPResponse {
        let clips = try self.clipRanges(fields)
        let folder = try fields.requiredAbsolutePath("output_dir")
        let modeName = try fields.string("mode") ?? ClipMode.reencode.rawValue
        guard let mode = ClipMode(rawValue: modeName) else {
            throw APIError.badRequest(
                "Field 'mode' is '\(modeName)'; use 'copy' (no re-encoding) or 'reencode' (frame-accurate)."
            )
        }
        let handles = try fields.double("handles") ?? 0
        guard handles.isFinite, (0...Self.maxHandleSeconds).contains(handles) else {
            throw APIError.badRequest(
                "Field 'handles' is \(handles); give seconds between 0 and \(Int(Self.maxHandleSeconds))."
            )
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw APIError.badRequest(
                "Field 'output_dir' is '\(folder)', which is not an existing folder; create it first."
            )
        }
        if OutputFile.isInside(folder, folder: self.dataDirectory) {
            throw APIError.badRequest(
                "Field 'output_dir' is '\(folder)', inside the server's data folder '\(self.dataDirectory)'; choose a folder outside it."
            )
        }

        // NOTE: clips are cut one after another inside the request, as thumbnails are decoded, so
        // a long batch of re-encoded clips keeps the connection open until all are done.
        var written: [JSON] = []
        var errors: [JSON] = []
        for (index, clip) in clips.enumerated() {
            do {
                let result = try ClipExporter.export(clip, mode: mode, handles: handles, outputFolder: folder)
                written.append(Self.clipJSON(result, clip: clip, index: index, mode: mode))
            } catch {
                self.logger.warning(
                    "clip export failed",
                    ["clip.index": String(index), "media.path": clip.mediaPath, "error": error.description]
                )
                errors.append([
                    "index": .number(Double(index)),
                    "media_path": .string(clip.mediaPath),
                    "error": .string(error.description),
                ])
            }
        }
        return .json(["clips": .array(written), "errors": .array(errors)])
    }

    private static func clipJSON(_ result: ExportedClip, clip: ClipRange, index: Int, mode: ClipMode) -> JSON {
        var object = JSONObject()
        object["index"] = .number(Double(index))
        object["media_path"] = .string(clip.mediaPath)
        object["output_path"] = .string(result.outputPath)
        object["start"] = .string(formatTimestamp(result.start))
        object["end"] = .string(formatTimestamp(result.end))
        object["start_seconds"] = .number(result.start)
        object["end_seconds"] = .number(result.end)
        object["requested_start_seconds"] = .number(result.requestedStart)
        object["requested_end_seconds"] = .number(result.requestedEnd)
        object["start_timecode"] = JSON(result.startTimecode)
        object["mode"] = .string(mode.rawValue)
        if mode == .copy {
            // Copying starts at a keyframe, which may lie before the requested start.
            object["snapped_to_keyframe"] = .bool(result.start < result.requestedStart - 0.0005)
        }
        return .object(object)
    }
}
