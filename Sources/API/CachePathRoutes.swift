import AnalysisStore
import Faces
import Foundation
import HTTPServer
import JumperCore

extension APIService {
    /// Returns where each file's analysis lives, so a MAM can archive or move it with the media.
    func cachePaths(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try CacheDirectory(path: try fields.requiredAbsolutePath("cache_dir"))
        guard let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else {
            throw APIError.badRequest("Missing required field 'media_paths': give a list of absolute file paths.")
        }
        var entries: [JSON] = []
        for path in paths {
            guard let hash = try? self.hashes.hashString(path: path) else {
                entries.append([
                    "media_path": .string(path), "hash_str": .null,
                    "files": ["visual": .null, "speech": .null, "faces": .null, "thumbnails": .null],
                    "error": .string("'\(path)' cannot be read; check the path"),
                ])
                continue
            }
            let visualPath = cache.visualAnalysisPath(hashString: hash)
            let visual: JSON = FileManager.default.fileExists(atPath: visualPath) ? .string(visualPath) : .null
            let facesPath = cache.faceAnalysisPath(hashString: hash)
            let faces: JSON = FileManager.default.fileExists(atPath: facesPath) ? .string(facesPath) : .null
            entries.append([
                "media_path": .string(path),
                "hash_str": .string(hash),
                "folder": .string(cache.mediaFolderPath(hashString: hash)),
                // Thumbnails are stored inside the visual analysis file.
                "files": ["visual": visual, "speech": .null, "faces": faces, "thumbnails": visual],
            ])
        }
        return .json(["cache_paths": .array(entries)])
    }
}
