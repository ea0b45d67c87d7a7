import AnalysisStore
import Foundation
import HTTPServer
import Inference
import JumperCore
import Media

extension APIService {
    /// The largest decoded image accepted by `/search/image`, in bytes of base64 text.
    static let maxQueryImageBase64Bytes = 40 * 1024 * 1024

    func searchImage(_ fields: RequestFields) throws -> HTTPResponse {
        let options = try VisualSearchOptions(fields: fields)
        let model = try self.visualModel(fields)
        let image = try self.queryImage(fields)
        let visual = try model.embedImages([image])[0]
        let text = try fields.string("query").map { try model.embedText($0) }
        let vector = mixed(visual: visual, text: text, weight: options.textWeight)
        return try self.runVisualSearch(vector: vector, model: model, options: options)
    }

    func searchFrame(_ fields: RequestFields) throws -> HTTPResponse {
        let options = try VisualSearchOptions(fields: fields)
        let model = try self.visualModel(fields)
        let path = try fields.requiredAbsolutePath("media_path")
        guard let seconds = try timeField(fields, "time_seconds", item: nil) else {
            throw APIError.badRequest("Missing required field 'time_seconds': give the second of the frame to search with.")
        }
        let visual = try self.storedFrameVector(path: path, seconds: seconds, model: model, options: options)
            ?? model.embedImages([try FrameExtractor.frame(path: path, atSeconds: seconds, maxLongSide: 640)])[0]
        let text = try fields.string("query").map { try model.embedText($0) }
        let vector = mixed(visual: visual, text: text, weight: options.textWeight)
        return try self.runVisualSearch(vector: vector, model: model, options: options)
    }

    private func visualModel(_ fields: RequestFields) throws -> any VisualEmbeddingModel {
        try self.models.visualModel(
            key: try self.models.resolveVisualKey(try fields.string("visual_model")),
            waitIfLoading: false
        )
    }

    /// Returns the analysed vector of the frame at `seconds` when the file was analysed with this model.
    private func storedFrameVector(
        path: String,
        seconds: Double,
        model: any VisualEmbeddingModel,
        options: VisualSearchOptions
    ) throws -> [Float]? {
        let cache = try CacheDirectory(existingPath: options.cacheDirectory)
        guard let hash = try? self.hashes.hashString(path: path),
            let stored = try cache.readVisualVectors(hashString: hash),
            stored.header.modelKey == model.modelKey,
            let frame = stored.header.frameTimes.lastIndex(where: { $0 <= seconds + 0.001 })
        else { return nil }
        let dimension = stored.header.dimension
        return Array(stored.vectors[(frame * dimension)..<((frame + 1) * dimension)])
    }

    /// Decodes the query picture from `image` (base64 JPEG or PNG) or `image_path`.
    private func queryImage(_ fields: RequestFields) throws -> RGBImage {
        if let path = try fields.absolutePath("image_path") {
            return try firstFrame(of: path)
        }
        guard let encoded = try fields.string("image"), !encoded.isEmpty else {
            throw APIError.badRequest("Missing field 'image' (base64 JPEG or PNG) or 'image_path' (absolute path).")
        }
        guard encoded.utf8.count <= Self.maxQueryImageBase64Bytes else {
            throw APIError.badRequest("Field 'image' is larger than \(Self.maxQueryImageBase64Bytes) bytes; send a smaller picture.")
        }
        // Clients send either bare base64 or a data URL.
        let payload = encoded.range(of: ";base64,").map { String(encoded[$0.upperBound...]) } ?? encoded
        guard let bytes = Data(base64Encoded: payload, options: .ignoreUnknownCharacters), !bytes.isEmpty else {
            throw APIError.badRequest("Field 'image' is not valid base64; send a base64-encoded JPEG or PNG.")
        }
        let temporary = NSTemporaryDirectory() + "jumper-query-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: bytes) else {
            throw APIError(status: 500, title: "Internal server error", message: "Could not write the query image to \(temporary).")
        }
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        do {
            return try firstFrame(of: temporary)
        } catch {
            throw APIError.badRequest("Field 'image' could not be decoded as a picture; send a JPEG or PNG.")
        }
    }
}

/// Returns the first frame of a picture or video, upright, with a 256-pixel shorter side.
private func firstFrame(of path: String) throws -> RGBImage {
    let sampler = try FrameSampler(path: path, shortSide: 256)
    guard let frame = try sampler.nextFrame() else {
        throw APIError.badRequest("'\(path)' contains no picture.")
    }
    return frame.image
}
