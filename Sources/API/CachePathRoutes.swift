import AnalysisStore
import Faces
import Foundation
import HTTPServer
import JumperCore

extension APIService {
    /// Returns where each file's analysis lives, so a MAM can archive or move it with the media.
    func cachePaths(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try fields.existingCacheDirectory()
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
            let files = Self.analysisFiles(cache: cache, hashString: hash)
            entries.append([
                "media_path": .string(path),
                "hash_str": .string(hash),
                "folder": .string(cache.mediaFolderPath(hashString: hash)),
                // Thumbnails are stored inside the visual analysis file.
                "files": [
                    "visual": JSON(files["visual"]),
                    "speech": JSON(files["speech"]),
                    "faces": JSON(files["faces"]),
                    "thumbnails": JSON(files["visual"]),
                ],
            ])
        }
        return .json(["cache_paths": .array(entries)])
    }

    /// Returns the absolute paths of a media folder's existing analysis files by kind, from the
    /// manifest's records. The visual file is also found without a manifest.
    private static func analysisFiles(cache: CacheDirectory, hashString: String) -> [String: String] {
        var files: [String: String] = [:]
        let folder = cache.mediaFolderPath(hashString: hashString)
        if let manifest = try? cache.manifest(hashString: hashString) {
            for (kind, record) in manifest.analyses {
                let path = "\(folder)/\(record.file)"
                if FileManager.default.fileExists(atPath: path) {
                    files[kind] = path
                }
            }
        }
        let visualPath = cache.visualAnalysisPath(hashString: hashString)
        if files["visual"] == nil && FileManager.default.fileExists(atPath: visualPath) {
            files["visual"] = visualPath
        }
        return files
    }
}
