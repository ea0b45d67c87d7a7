import Export
import Foundation
import HTTPServer
import JumperCore
import Media

extension APIService {
    /// `POST /export/premiere-xml`: an FCP7 XML sequence of the clips in order, written to
    /// `output_path` or returned as `xml`.
    func exportPremiereXML(_ fields: RequestFields) throws -> HTTPResponse {
        let clips = try self.clipRanges(fields)
        let sequenceName = try fields.string("sequence_name") ?? "Jumper export"
        let outputPath = try fields.absolutePath("output_path")
        let overwrite = try fields.bool("overwrite", default: false)
        if let outputPath {
            try self.checkOutputPath(outputPath, field: "output_path", overwrite: overwrite)
        }

        var media: [MediaInfo] = []
        for (index, clip) in clips.enumerated() {
            do {
                media.append(try MediaProbe.probe(path: clip.mediaPath))
            } catch {
                throw APIError.badRequest(
                    "Field 'clips[\(index)].media_path' is '\(clip.mediaPath)', which cannot be read: \(error)."
                )
            }
        }
        let rate = try self.sequenceRate(fields, firstMedia: media.first)

        var writer = PremiereXMLWriter(sequenceName: sequenceName, sequenceRate: rate)
        for (index, clip) in clips.enumerated() {
            do {
                try writer.append(clip, media: media[index])
            } catch {
                throw APIError.badRequest("Clip 'clips[\(index)]': \(error.description).")
            }
        }
        let xml = writer.document()
        var response = JSONObject()
        if let outputPath {
            try self.writeExport(Array(xml.utf8), to: outputPath, overwrite: overwrite)
            response["output_path"] = .string(outputPath)
        } else {
            response["xml"] = .string(xml)
        }
        response["clip_count"] = .number(Double(clips.count))
        response["frame_rate"] = .number(rate.framesPerSecond)
        response["clips"] = .array(
            writer.placements.map { placement in
                [
                    "media_path": .string(placement.range.mediaPath),
                    "in_frame": .number(Double(placement.inFrame)),
                    "out_frame": .number(Double(placement.outFrame)),
                    "sequence_start_frame": .number(Double(placement.timelineStart)),
                    "sequence_end_frame": .number(Double(placement.timelineEnd)),
                ]
            }
        )
        return .json(.object(response))
    }

    /// Reads `frame_rate` (a number of frames per second, such as 29.97) or falls back to the
    /// first clip's rate, then 25 fps for audio-only media.
    private func sequenceRate(_ fields: RequestFields, firstMedia: MediaInfo?) throws -> FrameRate {
        if let requested = try fields.double("frame_rate") {
            guard let rate = FrameRate(framesPerSecond: requested), requested <= 240 else {
                throw APIError.badRequest(
                    "Field 'frame_rate' is \(requested); give frames per second between 1 and 240, such as 25 or 29.97."
                )
            }
            return rate
        }
        return firstMedia?.fps.flatMap { FrameRate(framesPerSecond: $0) } ?? FrameRate(timebase: 25, ntsc: false)
    }

    /// Reads the `clips` array: `media_path` (absolute), `start` and `end` (seconds or
    /// `HH:MM:SS.mmm`, end after start) and an optional `name`, naming the bad element in a 400.
    func clipRanges(_ fields: RequestFields) throws -> [ClipRange] {
        guard let value = fields.object["clips"], !value.isNull else {
            throw APIError.badRequest(
                "Missing required field 'clips': give a list of {\"media_path\", \"start\", \"end\"} objects."
            )
        }
        guard let elements = value.arrayValue, !elements.isEmpty else {
            throw APIError.badRequest(
                "Field 'clips' must be a non-empty array of clip objects, got \(value.serializedString())."
            )
        }
        return try elements.enumerated().map { index, element in
            guard let object = element.objectValue else {
                throw APIError.badRequest("Field 'clips[\(index)]' must be an object, got a \(element.typeName).")
            }
            let clip = RequestFields(object: object)
            let path = try clip.requiredString("media_path")
            try requireAbsolute(path, field: "clips[\(index)].media_path")
            let start = try Self.clipTime(object["start"], field: "clips[\(index)].start")
            let end = try Self.clipTime(object["end"], field: "clips[\(index)].end")
            guard end > start else {
                throw APIError.badRequest("Field 'clips[\(index)].end' (\(end) s) must be after 'start' (\(start) s).")
            }
            return ClipRange(mediaPath: path, start: start, end: end, name: try clip.string("name"))
        }
    }

    private static func clipTime(_ value: JSON?, field: String) throws -> Double {
        guard let value, !value.isNull else {
            throw APIError.badRequest("Missing required field '\(field)': give seconds or HH:MM:SS.mmm.")
        }
        if let seconds = value.doubleValue, seconds.isFinite, seconds >= 0 {
            return seconds
        }
        if let text = value.stringValue, let seconds = parseTimestamp(text) {
            return seconds
        }
        throw APIError.badRequest(
            "Field '\(field)' is \(value.serializedString()); give seconds (0 or more) or HH:MM:SS.mmm."
        )
    }
}
