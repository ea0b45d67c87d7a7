import AnalysisStore
import Faces
import HTTPServer
import JumperCore
import Search

extension APIService {
    func loadAnalysisData(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try CacheDirectory(path: try fields.requiredAbsolutePath("cache_dir"))
        let summary = try self.index.loadAll(cacheDirectory: cache)
        return .json(self.loadResponse(summary, cache: cache, missing: [], only: nil))
    }

    func loadAnalysisDataForMedia(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try CacheDirectory(path: try fields.requiredAbsolutePath("cache_dir"))
        guard let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else {
            throw APIError.badRequest("Missing required field 'media_paths': give a list of absolute file paths.")
        }
        var hashes: [String] = []
        var missing: [String] = []
        for path in paths {
            guard let hash = try? self.hashes.hashString(path: path),
                cache.hasAnyVisualAnalysis(hashString: hash)
            else {
                missing.append(path)
                continue
            }
            hashes.append(hash)
        }
        let summary = try self.index.load(cacheDirectory: cache, hashStrings: hashes)
        return .json(self.loadResponse(summary, cache: cache, missing: missing, only: Set(hashes)))
    }

    private func loadResponse(_ summary: LoadSummary, cache: CacheDirectory, missing: [String], only: Set<String>?) -> JSON {
        let entries = self.index.loadedEntries(cacheDirectoryPath: cache.path).filter { only?.contains($0.hashString) ?? true }
        var faceCount = 0
        let media = entries.map { entry -> JSON in
            let faceHeader = cache.readFaceAnalysisHeader(hashString: entry.hashString)
            faceCount += faceHeader?.faceCount ?? 0
            return [
                "video_path": .string(entry.sourcePath),
                "hash_str": .string(entry.hashString),
                "visual": true,
                "speech": false,
                "faces": .bool(faceHeader != nil),
            ]
        }
        return [
            "loaded_media": .number(Double(entries.count)),
            "frames": .number(Double(entries.reduce(0) { $0 + $1.frameCount })),
            "transcriptions": 0,
            "faces": .number(Double(faceCount)),
            "media": .array(media),
            "missing": .array(missing.map { .string($0) }),
            // Damaged analysis files: delete them and analyse the media again, or run /analyze.
            "failures": .array(summary.failures.map { ["hash_str": .string($0.hashString), "error": .string($0.message)] }),
        ]
    }
}
