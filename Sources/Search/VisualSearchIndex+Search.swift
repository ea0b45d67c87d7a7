import AnalysisStore
import JumperCore

extension VisualSearchIndex {
    /// Largest `maxResults` a query may ask for.
    public static let maxResultsLimit = 10_000

    /// Searches and returns the matches, best first. An invalid query is logged and
    /// returns no matches; use `searchDetailed(_:)` to get the error and what was skipped.
    public func search(_ query: VisualQuery) -> [VisualMatch] {
        do {
            return try self.searchDetailed(query).matches
        } catch {
            self.logger.warning("visual search rejected", ["cache.dir": query.cacheDirectoryPath, "error": "\(error)"])
            return []
        }
    }

    /// Searches the loaded media of the query's cache folder.
    ///
    /// Each frame's score is the cosine similarity of its vector with the query vector,
    /// computed as a dot product because both are normalised. When the query has exclude
    /// vectors, an exclusion penalty is subtracted (see `FrameScoring.score`), so excluded
    /// concepts push frames down and never remove them. With `perScene`, a scene is represented by
    /// its best frame. Frames outside `allowedFrames` and matches below `minScore` are
    /// dropped. `originalIndex` is the match's position in the same ranking by plain
    /// cosine, before the penalty and `allowedFrames` changed it.
    ///
    /// - Throws: `SearchError.invalidQuery` for an empty or non-finite vector or a bad
    ///   limit, and `SearchError.dimensionMismatch` when media of the query's model have
    ///   another dimension. Media of other models are skipped and listed, not an error.
    public func searchDetailed(_ query: VisualQuery) throws(SearchError) -> VisualSearchResult {
        try Self.validate(query)
        let loaded = self.snapshot(cacheDirectoryPath: query.cacheDirectoryPath)

        // scope: the requested hashes, or every loaded media
        var inScope = loaded
        var notLoaded: [String] = []
        if let hashStrings = query.hashStrings {
            let byHash = Dictionary(uniqueKeysWithValues: loaded.map { ($0.hashString, $0) })
            let requested = Set(hashStrings)
            inScope = loaded.filter { requested.contains($0.hashString) }
            notLoaded = requested.filter { byHash[$0] == nil }.sorted()
        }
        let searched = inScope.filter { $0.modelKey == query.modelKey }
        let skipped = inScope.filter { $0.modelKey != query.modelKey }.map { ($0.hashString, $0.modelKey) }
        if let mismatch = searched.first(where: { $0.dimension != query.vector.count }) {
            throw SearchError.dimensionMismatch(
                modelKey: query.modelKey,
                hashString: mismatch.hashString,
                mediaDimension: mismatch.dimension,
                queryDimension: query.vector.count
            )
        }

        let candidates = self.rank(media: searched, query: query)
        let matches = self.makeMatches(candidates, media: searched)
        if !skipped.isEmpty || !notLoaded.isEmpty {
            self.logger.debug(
                "visual search skipped media",
                [
                    "cache.dir": query.cacheDirectoryPath,
                    "media.other_model": String(skipped.count),
                    "media.not_loaded": String(notLoaded.count),
                ]
            )
        }
        return VisualSearchResult(
            matches: matches,
            searchedMediaCount: searched.count,
            searchedFrameCount: searched.reduce(0) { $0 + $1.frameCount },
            skippedMedia: skipped,
            notLoadedHashStrings: notLoaded
        )
    }

    private static func validate(_ query: VisualQuery) throws(SearchError) {
        guard !query.modelKey.isEmpty else { throw SearchError.invalidQuery(reason: "model key is empty") }
        guard !query.vector.isEmpty else { throw SearchError.invalidQuery(reason: "query vector is empty") }
        guard query.vector.allSatisfy(\.isFinite) else {
            throw SearchError.invalidQuery(reason: "query vector contains a non-finite value")
        }
        try Self.validateNorm(query.vector, name: "query vector")
        guard (1...Self.maxResultsLimit).contains(query.maxResults) else {
            throw SearchError.invalidQuery(
                reason: "max_results \(query.maxResults) is outside 1...\(Self.maxResultsLimit)"
            )
        }
        for (index, vector) in query.excludeVectors.enumerated() {
            guard vector.count == query.vector.count, vector.allSatisfy(\.isFinite) else {
                throw SearchError.invalidQuery(
                    reason: "exclude vector \(index) has \(vector.count) values or a non-finite one; "
                        + "expected \(query.vector.count) finite values like the query vector"
                )
            }
            try Self.validateNorm(vector, name: "exclude vector \(index)")
        }
        guard query.excludeWeight.isFinite, query.excludeWeight >= 0 else {
            throw SearchError.invalidQuery(reason: "exclude weight \(query.excludeWeight) is not a finite number >= 0")
        }
        if let minScore = query.minScore, !minScore.isFinite {
            throw SearchError.invalidQuery(reason: "min_score \(minScore) is not finite")
        }
    }

    /// Maximum deviation of a query or exclude vector's L2 norm from 1 that a search accepts.
    public static let normTolerance: Float = 0.01

    /// Rejects a vector that is not L2-normalised, since scores are dot products that
    /// equal cosines only for unit vectors.
    private static func validateNorm(_ vector: [Float], name: String) throws(SearchError) {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard abs(norm - 1) <= Self.normTolerance else {
            throw SearchError.invalidQuery(reason: "\(name) has L2 norm \(norm); normalise it to length 1")
        }
    }

    // MARK: - Building matches

    /// Turns ranked candidates into matches, reading the thumbnails of the chosen frames.
    private func makeMatches(
        _ candidates: [(RankedCandidate, originalIndex: Int)],
        media: [LoadedMedia]
    ) -> [VisualMatch] {
        var thumbnails: [Int: [Int: [UInt8]]] = [:]
        let framesByMedia = Dictionary(grouping: candidates.map(\.0), by: \.mediaPosition)
        for (position, group) in framesByMedia {
            let item = media[position]
            let frameIndices = group.map(\.frameIndex)
            do {
                let bytes = try item.cacheDirectory.readThumbnails(of: item.header, frameIndices: frameIndices)
                thumbnails[position] = Dictionary(zip(frameIndices, bytes), uniquingKeysWith: { first, _ in first })
            } catch {
                self.logger.warning(
                    "thumbnail read failed",
                    ["media.hash": item.hashString, "file.path": item.header.path, "error": "\(error)"]
                )
            }
        }

        return candidates.map { candidate, originalIndex in
            let item = media[candidate.mediaPosition]
            let scene = item.sceneBounds(Int(item.sceneIndexOfFrame[candidate.frameIndex]))
            return VisualMatch(
                hashString: item.hashString,
                sourcePath: item.sourcePath,
                frameIndex: candidate.frameIndex,
                timeSeconds: item.header.frameTimes[candidate.frameIndex],
                sceneStart: scene.start,
                sceneEnd: scene.end,
                score: candidate.score,
                originalIndex: originalIndex,
                thumbnail: thumbnails[candidate.mediaPosition]?[candidate.frameIndex] ?? []
            )
        }
    }
}
