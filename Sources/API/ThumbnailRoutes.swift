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
        let cache = try fields.existingCacheDirectory()
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
            let maxSize = try fields.int("max_size", default: Self.defaultThumbnailSize, range: 16...4096)
            return .json(["scene_thumbnails": try self.sceneThumbnailsFromFile(path: path, start: start, end: end, maxSize: maxSize)])
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

extension APIService {
    /// The maximum number of seconds `/thumbnails/scene` decodes from a file that has no analysis.
    static let maxUnanalysedSceneSeconds = 600

    /// Decodes one thumbnail per whole second of `[start, end)` from the file itself, for media
    /// without analysis. The seconds are those analysis would sample: a clip shorter than a
    /// second and an image have second 0 only.
    func sceneThumbnailsFromFile(path: String, start: Double, end: Double, maxSize: Int) throws -> JSON {
        let info: MediaInfo
        do {
            info = try MediaProbe.probe(path: path)
        } catch {
            throw APIError.badRequest("Field 'media_path' names '\(path)', which cannot be decoded: \(error).")
        }
        let sampledLength = info.mediaType == .image ? 1 : max(info.duration ?? 0, Double.leastNonzeroMagnitude)
        let seconds = Array(stride(from: Int(start.rounded(.up)), to: Int(sampledLength.rounded(.up)), by: 1))
            .prefix { Double($0) < end || Double($0) == start }
        guard seconds.count <= Self.maxUnanalysedSceneSeconds else {
            throw APIError.badRequest(
                "The range \(formatTimestamp(start)) to \(formatTimestamp(end)) covers \(seconds.count) seconds of '\(path)', "
                    + "which has no analysis in this cache_dir; ask for at most \(Self.maxUnanalysedSceneSeconds) seconds or analyse the file first."
            )
        }
        var thumbnails: [JSON] = []
        for second in seconds {
            do {
                let image = try FrameExtractor.frame(path: path, atSeconds: Double(second), maxLongSide: maxSize)
                let jpeg = try JPEGEncoder.encode(image, quality: Self.thumbnailQuality)
                thumbnails.append([.string(Data(jpeg).base64EncodedString()), .string(formatTimestamp(Double(second)))])
            } catch {
                self.logger.warning(
                    "scene thumbnail decode failed",
                    ["file.path": path, "time.seconds": String(second), "error": "\(error)"]
                )
            }
        }
        return .array(thumbnails)
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
