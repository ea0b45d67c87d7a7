import Analysis
import AnalysisStore
import Faces
import Foundation
import HTTPServer
import JumperCore
import Media

extension APIService {
    func mediaMetadata(_ fields: RequestFields) throws -> HTTPResponse {
        guard let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else {
            throw APIError.badRequest("Missing required field 'media_paths': give a list of absolute file paths.")
        }
        let cache = try fields.absolutePath("cache_dir").map { try CacheDirectory(existingPath: $0) }
        var metadata: [JSON] = []
        var errors: [JSON] = []
        for path in paths {
            do {
                let info = try MediaProbe.probe(path: path)
                var object = info.metadataJSON().objectValue ?? JSONObject()
                if let cache {
                    let visual = cache.hasAnyVisualAnalysis(hashString: info.hashString)
                    let faces = cache.hasFaceAnalysis(hashString: info.hashString)
                    let transcriptPath = (cache.mediaFolderPath(hashString: info.hashString) as NSString)
                        .appendingPathComponent(SpeechAnalyzer.fileName)
                    let speech = FileManager.default.fileExists(atPath: transcriptPath)
                    object["analyzed"] = ["visual": .bool(visual), "speech": .bool(speech), "faces": .bool(faces)]
                }
                metadata.append(.object(object))
            } catch {
                errors.append(["media_path": .string(path), "error": .string(String(describing: error))])
            }
        }
        return .json(["metadata": .array(metadata), "errors": .array(errors)])
    }
}
