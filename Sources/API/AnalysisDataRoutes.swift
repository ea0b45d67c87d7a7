import AnalysisStore
import Faces
import HTTPServer
import JumperCore
import Search

extension APIService {
    /// `POST /analysis-data/load`: loads every visual analysis and transcript in the folder and
    /// lists every analysed media, including audio-only media that have only a transcript.
    func loadAnalysisData(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try fields.existingCacheDirectory()
        let visual = try self.index.loadAll(cacheDirectory: cache)
        let transcripts = try self.transcripts.load(cache: cache, hashStrings: nil)
        let media = try cache.allHashStrings().map { (hash: $0, path: String?.none) }
        let body = self.loadResponse(
            cache: cache,
            media: media,
            visual: visual,
            transcripts: transcripts,
            missing: []
        )
        return .json(body)
    }

    /// `POST /analysis-data/load-for-media`: loads the visual analyses and transcripts of the
    /// named files. A file counts as missing only when it has no analysis of any kind.
    func loadAnalysisDataForMedia(_ fields: RequestFields) throws -> HTTPResponse {
        let cache = try fields.existingCacheDirectory()
        guard let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else {
            throw APIError.badRequest("Missing required field 'media_paths': give a list of absolute file paths.")
        }

        // copies of one file share a hash, so the first path given for a hash names it
        var hashOfPath: [String: String] = [:]
        var media: [(hash: String, path: String?)] = []
        for path in paths {
            guard let hash = try? self.hashes.hashString(path: path) else { continue }
            hashOfPath[path] = hash
            if !media.contains(where: { $0.hash == hash }) {
                media.append((hash, path))
            }
        }

        let hashes = media.map(\.hash)
        let visual = try self.index.load(cacheDirectory: cache, hashStrings: hashes)
        let transcripts = try self.transcripts.load(cache: cache, hashStrings: hashes)
        // a damaged analysis file is listed under failures, so its media does not count as missing
        let analysed = Set(visual.loaded.map(\.hashString))
            .union(visual.failures.map(\.hashString))
            .union(transcripts.transcribed)
            .union(transcripts.failures.map(\.hashString))
            .union(hashes.filter { cache.hasFaceAnalysis(hashString: $0) })
        let missing = paths.filter { path in
            guard let hash = hashOfPath[path] else { return true }
            return !analysed.contains(hash)
        }
        let body = self.loadResponse(
            cache: cache,
            media: media,
            visual: visual,
            transcripts: transcripts,
            missing: missing
        )
        return .json(body)
    }

    /// Builds the load response: one entry per media that has any analysis, with the kinds it has.
    ///
    /// - Parameters:
    ///   - media: the content hashes to report, each with the path the client gave for it, or
    ///     nil to report the path the manifest last recorded.
    ///   - visual: the outcome of loading their visual analyses.
    ///   - transcripts: the outcome of loading their transcripts.
    ///   - missing: the requested paths that have no analysis.
    private func loadResponse(
        cache: CacheDirectory,
        media: [(hash: String, path: String?)],
        visual: LoadSummary,
        transcripts: TranscriptLoadSummary,
        missing: [String]
    ) -> JSON {
        let transcribed = Set(transcripts.transcribed)
        let visualByHash = Dictionary(
            visual.loaded.map { ($0.hashString, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var entries: [JSON] = []
        var frameCount = 0
        var transcriptCount = 0
        var faceCount = 0
        for (hash, requestedPath) in media {
            let visualEntry = visualByHash[hash]
            let hasTranscript = transcribed.contains(hash)
            let faceHeader = cache.readFaceAnalysisHeader(hashString: hash)
            guard visualEntry != nil || hasTranscript || faceHeader != nil else { continue }

            frameCount += visualEntry?.frameCount ?? 0
            transcriptCount += hasTranscript ? 1 : 0
            faceCount += faceHeader?.faceCount ?? 0
            let recordedPath = visualEntry?.sourcePath ?? (try? cache.manifest(hashString: hash))??.lastSourcePath
            let path = requestedPath ?? recordedPath
            entries.append([
                "video_path": .string(path ?? ""),
                "hash_str": .string(hash),
                "visual": .bool(visualEntry != nil),
                "speech": .bool(hasTranscript),
                "faces": .bool(faceHeader != nil),
            ])
        }
        // Damaged analysis files: delete them and analyse the media again, or run /analyze with force.
        let damaged = visual.failures.map { (hashString: $0.hashString, message: $0.message) } + transcripts.failures
        let failures = damaged.map { failure -> JSON in
            ["hash_str": .string(failure.hashString), "error": .string(failure.message)]
        }
        return [
            "loaded_media": .number(Double(entries.count)),
            "frames": .number(Double(frameCount)),
            "transcriptions": .number(Double(transcriptCount)),
            "faces": .number(Double(faceCount)),
            "media": .array(entries),
            "missing": .array(missing.map { .string($0) }),
            "failures": .array(failures),
        ]
    }
}
