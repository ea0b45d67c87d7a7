import AnalysisStore
import HTTPServer
import JumperCore
import Speech
import TranscriptSearch

extension APIService {
    func transcriptions(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try fields.existingCacheDirectory()
        guard let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else {
            throw APIError.badRequest("Missing required field 'media_paths': give a list of absolute file paths.")
        }
        var transcriptions: [JSON] = []
        var missing: [JSON] = []
        var failures: [JSON] = []
        for path in paths {
            guard let hash = try? self.hashes.hashString(path: path) else {
                missing.append(.string(path))
                continue
            }
            let stored: Transcript?
            do {
                stored = try self.transcripts.transcript(cache: cache, hashString: hash)
            } catch let error as DamagedTranscriptError {
                // one damaged file fails alone, as a bad file does in a task
                failures.append([
                    "video_path": .string(path),
                    "hash_str": .string(hash),
                    "error": .string(error.description),
                ])
                continue
            }
            guard let transcript = stored else {
                missing.append(.string(path))
                continue
            }
            var object = transcript.json().objectValue ?? JSONObject()
            object["video_path"] = .string(path)
            object["hash_str"] = .string(hash)
            transcriptions.append(.object(object))
        }
        return .json([
            "transcriptions": .array(transcriptions),
            "missing": .array(missing),
            "failures": .array(failures),
        ])
    }

    func loadTranscriptions(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try fields.existingCacheDirectory()
        let scope = try self.transcriptScope(fields, searchAll: false)
        let summary = try self.transcripts.load(cache: cache, hashStrings: scope.map { $0.map(\.hash) })
        let loaded = summary.transcribed
        let failed = Set(summary.failures.map(\.hashString))
        let missing = (scope ?? []).filter { !loaded.contains($0.hash) && !failed.contains($0.hash) }
            .map { JSON.string($0.path) }
        let media = loaded.map { hash -> JSON in
            let path = (try? cache.manifest(hashString: hash))??.lastSourcePath ?? ""
            return ["video_path": .string(path), "hash_str": .string(hash), "visual": false, "speech": true, "faces": false]
        }
        return .json([
            "loaded_media": .number(Double(loaded.count)), "frames": 0,
            "transcriptions": .number(Double(loaded.count)), "faces": 0,
            "media": .array(media), "missing": .array(missing),
            "failures": .array(
                summary.failures.map { ["hash_str": .string($0.hashString), "error": .string($0.message)] }
            ),
        ])
    }

    func searchTranscript(_ fields: RequestFields) throws -> HTTPResponse {
        let query = try fields.requiredString("query")
        let cache = try fields.existingCacheDirectory()
        let maxResults = try fields.int("max_results", default: 50, range: 1...Self.maxResultsLimit)
        let scope = try self.transcriptScope(fields, searchAll: try fields.bool("search_all", default: false))
        try self.transcripts.load(cache: cache, hashStrings: scope.map { $0.map(\.hash) })
        let matches = try self.transcripts.index(for: cache).search(
            query: query,
            hashStrings: scope.map { $0.map(\.hash) },
            maxResults: maxResults
        )
        // Copies of one file share a hash_str; a scoped search names the path the client gave.
        let requested = Dictionary((scope ?? []).map { ($0.hash, $0.path) }, uniquingKeysWith: { first, _ in first })
        let shaped = matches.map { match -> JSON in
            var object = match.json().objectValue ?? JSONObject()
            object["video_path"] = .string(requested[match.hashString] ?? match.videoPath)
            return .object(object)
        }
        return .json(["matches": .array(shaped)])
    }

    /// Returns the hashed media paths a transcript call covers, or nil for every transcript in the folder.
    private func transcriptScope(_ fields: RequestFields, searchAll: Bool) throws -> [(hash: String, path: String)]? {
        guard !searchAll, let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else { return nil }
        return try paths.map { path in
            do {
                return (try self.hashes.hashString(path: path), path)
            } catch {
                throw APIError.badRequest("Field 'media_paths' names '\(path)', which cannot be read: \(error).")
            }
        }
    }
}
