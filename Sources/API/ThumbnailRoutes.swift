import AnalysisStore
import Foundation
import HTTPServer
import JumperCore
import Media

extension APIService {
    static let defaultThumbnailSize = 480
    static let thumbnailQuality = 82

    func thumbnails(_ fields: RequestFields) throws -> HTTPResponse {
        _ = try fields.requiredAbsolutePath("cache_dir")
        let maxSize = try fields.int("max_size", default: Self.defaultThumbnailSize, range: 16...4096)
        guard let items = fields.object["requests"]?.arrayValue else {
            throw APIError.badRequest("Missing required field 'requests': give a list of {media_path, time_seconds}.")
        }
        var thumbnails: [JSON] = []
        for (index, item) in items.enumerated() {
            do {
                let request = RequestFields(object: item.objectValue ?? JSONObject())
                let path = try request.requiredAbsolutePath("media_path")
                let seconds = try timeField(request, "time_seconds", item: "requests[\(index)]") ?? 0
                let image = try FrameExtractor.frame(path: path, atSeconds: seconds, maxLongSide: maxSize)
                let jpeg = try JPEGEncoder.encode(image, quality: Self.thumbnailQuality)
                thumbnails.append(["thumbnail": .string(Data(jpeg).base64EncodedString())])
            } catch {
                let message = (error as? APIError)?.message ?? String(describing: error)
                thumbnails.append(["thumbnail": .null, "error": .string(message)])
            }
        }
        return .json(["thumbnails": .array(thumbnails)])
    }

    func sceneThumbnails(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try CacheDirectory(path: try fields.requiredAbsolutePath("cache_dir"))
        let path = try fields.requiredAbsolutePath("media_path")
        let start = try timeField(fields, "start_time", item: nil) ?? 0
        let end = try timeField(fields, "end_time", item: nil) ?? .infinity
        guard end >= start else {
            throw APIError.badRequest("Field 'end_time' (\(end) s) is before 'start_time' (\(start) s).")
        }
        let hash: String
        if let given = try fields.string("hash_str") {
            hash = given
        } else {
            do {
                hash = try self.hashes.hashString(path: path)
            } catch {
                throw APIError.badRequest("Field 'media_path' names '\(path)', which cannot be read: \(error).")
            }
        }
        guard let analysis = try cache.readVisualAnalysis(hashString: hash) else {
            return .json(["scene_thumbnails": .null])
        }
        var thumbnails: [JSON] = []
        // The end is exclusive, as a scene's end in search results is; a zero-length range keeps its start.
        for (frame, time) in analysis.frameTimes.enumerated() where time >= start && (time < end || time == start) {
            guard frame < analysis.thumbnails.count, !analysis.thumbnails[frame].isEmpty else { continue }
            let encoded = Data(analysis.thumbnails[frame]).base64EncodedString()
            thumbnails.append([.string(encoded), .string(formatTimestamp(time))])
        }
        return .json(["scene_thumbnails": .array(thumbnails)])
    }
}

/// Reads a time field given as seconds or as `HH:MM:SS(.mmm)`.
func timeField(_ fields: RequestFields, _ name: String, item: String?) throws -> Double? {
    let label = item.map { "\($0).\(name)" } ?? name
    guard let value = fields.object[name], !value.isNull else { return nil }
    let limit = FrameExtractor.maxSeconds
    if let seconds = value.doubleValue, seconds.isFinite, seconds >= 0, seconds <= limit {
        return seconds
    }
    if let text = value.stringValue, let seconds = parseTimestamp(text), seconds <= limit {
        return seconds
    }
    throw APIError.badRequest(
        "Field '\(label)' is \(value.serializedString()); give seconds (a number from 0 to \(Int(limit))) or HH:MM:SS.mmm."
    )
}
