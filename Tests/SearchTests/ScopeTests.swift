import AnalysisStore
import Search
import Testing

@Suite struct ScopeTests {
    /// Three media: two analysed with `hand-4`, one with `other-4`.
    private func loadThreeMedia() throws -> (TemporaryCache, VisualSearchIndex) {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.9, 0.1])
        try writeMedia(folder.cache, hashString: "bbbbbbbb-2", queryScores: [0.2, 0.8])
        try writeMedia(folder.cache, hashString: "cccccccc-3", queryScores: [0.99, 0.99], modelKey: "other-4")
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)
        return (folder, index)
    }

    @Test func searchAllCoversEveryMediaOfModel() throws {
        let (folder, index) = try self.loadThreeMedia()
        let query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0), perScene: false)
        let result = try index.searchDetailed(query)

        #expect(result.matches.map(\.hashString) == ["aaaaaaaa-1", "bbbbbbbb-2", "bbbbbbbb-2", "aaaaaaaa-1"])
        #expect(result.matches.map(\.frameIndex) == [0, 1, 0, 1])
        #expect(result.searchedMediaCount == 2)
        #expect(result.searchedFrameCount == 4)
    }

    @Test func otherModelIsSkippedAndReported() throws {
        let (folder, index) = try self.loadThreeMedia()
        let query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0))
        let result = try index.searchDetailed(query)

        #expect(!result.matches.contains { $0.hashString == "cccccccc-3" })
        #expect(result.skippedMedia.map(\.hashString) == ["cccccccc-3"])
        #expect(result.skippedMedia.map(\.modelKey) == ["other-4"])
    }

    @Test func scopeByHashLimitsMedia() throws {
        let (folder, index) = try self.loadThreeMedia()
        let query = VisualQuery(
            cacheDirectoryPath: folder.path,
            modelKey: "hand-4",
            vector: axis(0),
            hashStrings: ["bbbbbbbb-2", "dddddddd-4"],
            perScene: false
        )
        let result = try index.searchDetailed(query)

        #expect(result.matches.map(\.hashString) == ["bbbbbbbb-2", "bbbbbbbb-2"])
        #expect(result.notLoadedHashStrings == ["dddddddd-4"])
    }

    @Test func emptyScopeGivesNoMatches() throws {
        let (folder, index) = try self.loadThreeMedia()
        let query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0), hashStrings: [])
        #expect(index.search(query).isEmpty)
    }

    @Test func unknownCacheFolderGivesNoMatches() throws {
        let (_, index) = try self.loadThreeMedia()
        let query = VisualQuery(cacheDirectoryPath: "/nonexistent/cache", modelKey: "hand-4", vector: axis(0))
        #expect(index.search(query).isEmpty)
    }

    @Test func trailingSlashNamesSameFolder() throws {
        let (folder, index) = try self.loadThreeMedia()
        let query = VisualQuery(cacheDirectoryPath: folder.path + "/", modelKey: "hand-4", vector: axis(0))
        #expect(index.search(query).count == 2)
    }

    @Test func dimensionMismatchIsAnError() throws {
        let (folder, index) = try self.loadThreeMedia()
        let query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: [1, 0, 0])
        #expect(
            throws: SearchError.dimensionMismatch(
                modelKey: "hand-4",
                hashString: "aaaaaaaa-1",
                mediaDimension: 4,
                queryDimension: 3
            )
        ) {
            try index.searchDetailed(query)
        }
        #expect(index.search(query).isEmpty)
    }

    @Test(arguments: [
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: []),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: [.nan, 0, 0, 0]),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: axis(0), maxResults: 0),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: axis(0), excludeVectors: [[1, 0]]),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "", vector: axis(0)),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: axis(0), excludeWeight: -1),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: [0.5, 0, 0, 0]),
        VisualQuery(cacheDirectoryPath: "/c", modelKey: "hand-4", vector: axis(0), excludeVectors: [[2, 0, 0, 0]]),
    ])
    func invalidQueryIsAnError(query: VisualQuery) throws {
        let (index, sink) = makeIndex()
        #expect(throws: SearchError.self) {
            try index.searchDetailed(query)
        }
        #expect(index.search(query).isEmpty)
        #expect(sink.records.contains { $0.level == .warning && $0.message == "visual search rejected" })
    }
}
