import AnalysisStore
@testable import Search
import Testing

@Suite struct RankingTests {
    /// Loads one media of 6 frames in two scenes, [0, 3) and [3, 6).
    private func loadTwoScenes() throws -> (TemporaryCache, VisualSearchIndex) {
        let folder = try TemporaryCache()
        try writeMedia(
            folder.cache,
            hashString: "aaaaaaaa-1",
            queryScores: [0.5, 0.9, 0.6, 0.7, 0.95, 0.2],
            sceneStarts: [0, 3]
        )
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)
        return (folder, index)
    }

    // Scores are checked to 4e-3 because bfloat16 in memory rounds a component near 0.95
    // by up to 2e-3, and Float16 on disk by up to 2.5e-4.

    @Test func perSceneKeepsBestFrameOfEachScene() throws {
        let (folder, index) = try self.loadTwoScenes()
        let matches = index.search(VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0)))

        #expect(matches.map(\.frameIndex) == [4, 1])
        #expect(abs(matches[0].score - 0.95) < 4e-3)
        #expect(abs(matches[1].score - 0.9) < 4e-3)
        #expect(matches[0].sceneStart == 3)
        #expect(matches[0].sceneEnd == 6)
        #expect(matches[1].sceneStart == 0)
        #expect(matches[1].sceneEnd == 3)
        #expect(matches[0].timeSeconds == 4)
        #expect(matches.map(\.originalIndex) == [0, 1])
        #expect(matches[0].hashString == "aaaaaaaa-1")
        #expect(matches[0].sourcePath == "/media/aaaaaaaa-1.mov")
        #expect(matches[0].thumbnail == Array("jpeg-aaaaaaaa-1-4".utf8))
    }

    @Test func perFrameKeepsAdjacentFrames() throws {
        let (folder, index) = try self.loadTwoScenes()
        let query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0), perScene: false)
        let matches = index.search(query)

        #expect(matches.map(\.frameIndex) == [4, 1, 3, 2, 0, 5])
        #expect(matches.map(\.originalIndex) == [0, 1, 2, 3, 4, 5])
        #expect(matches.map(\.thumbnail) == [4, 1, 3, 2, 0, 5].map { Array("jpeg-aaaaaaaa-1-\($0)".utf8) })
    }

    @Test func maxResultsLimitsMatches() throws {
        let (folder, index) = try self.loadTwoScenes()
        let query = VisualQuery(
            cacheDirectoryPath: folder.path,
            modelKey: "hand-4",
            vector: axis(0),
            maxResults: 2,
            perScene: false
        )
        #expect(index.search(query).map(\.frameIndex) == [4, 1])
    }

    @Test func minScoreDropsWeakMatches() throws {
        let (folder, index) = try self.loadTwoScenes()
        let query = VisualQuery(
            cacheDirectoryPath: folder.path,
            modelKey: "hand-4",
            vector: axis(0),
            perScene: false,
            minScore: 0.65
        )
        #expect(index.search(query).map(\.frameIndex) == [4, 1, 3])
    }

    @Test func excludePushesDownWithoutRemoving() throws {
        let folder = try TemporaryCache()
        // frame 0 matches the query best but also shows the excluded concept
        try writeMedia(
            folder.cache,
            hashString: "aaaaaaaa-1",
            queryScores: [0.95, 0.9, 0.8, 0.1],
            excludedScores: [0.3, 0, 0, 0]
        )
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)
        let query = VisualQuery(
            cacheDirectoryPath: folder.path,
            modelKey: "hand-4",
            vector: axis(0),
            excludeVectors: [axis(2)],
            perScene: false
        )
        let matches = index.search(query)

        // baseline = mean exclude cosine 0.075, so frame 0 loses 0.3 - 0.075 = 0.225
        #expect(matches.map(\.frameIndex) == [1, 2, 0, 3])
        #expect(matches.map(\.originalIndex) == [1, 2, 0, 3])
        #expect(abs(matches[2].score - 0.725) < 5e-3)
        #expect(abs(matches[0].score - 0.9) < 4e-3)
    }

    @Test func excludeWeightZeroKeepsPlainRanking() throws {
        let folder = try TemporaryCache()
        try writeMedia(
            folder.cache,
            hashString: "aaaaaaaa-1",
            queryScores: [0.95, 0.9, 0.8, 0.1],
            excludedScores: [0.3, 0, 0, 0]
        )
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)
        let query = VisualQuery(
            cacheDirectoryPath: folder.path,
            modelKey: "hand-4",
            vector: axis(0),
            excludeVectors: [axis(2)],
            excludeWeight: 0,
            perScene: false
        )
        #expect(index.search(query).map(\.frameIndex) == [0, 1, 2, 3])
    }

    @Test func allowedFramesFilterKeepsOriginalIndex() throws {
        let (folder, index) = try self.loadTwoScenes()
        var query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0), perScene: false)
        query.allowedFrames = ["aaaaaaaa-1": [0, 2, 5]]
        let matches = index.search(query)

        #expect(matches.map(\.frameIndex) == [2, 0, 5])
        #expect(matches.map(\.originalIndex) == [3, 4, 5])
    }

    @Test func allowedFramesPickAnotherFrameOfScene() throws {
        let (folder, index) = try self.loadTwoScenes()
        var query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0))
        query.allowedFrames = ["aaaaaaaa-1": [3, 2]]
        let matches = index.search(query)

        // scene [3, 6) ranked first by plain cosine (frame 4), scene [0, 3) second
        #expect(matches.map(\.frameIndex) == [3, 2])
        #expect(matches.map(\.originalIndex) == [0, 1])
    }

    @Test func mediaMissingFromAllowedFramesIsDropped() throws {
        let (folder, index) = try self.loadTwoScenes()
        var query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0))
        query.allowedFrames = [:]
        #expect(index.search(query).isEmpty)
    }

    @Test func topResultsMatchFullSort() throws {
        let folder = try TemporaryCache()
        var generator = SeededGenerator(state: 11)
        let dimension = 16
        var allScores: [(hash: String, frame: Int, score: Float)] = []
        var written: [String: [Float]] = [:]
        for mediaIndex in 0..<12 {
            let hashString = "0000000\(mediaIndex % 10)-\(100 + mediaIndex)"
            let frameCount = 40 + mediaIndex
            var vectors: [Float] = []
            for _ in 0..<frameCount {
                vectors += randomUnitVector(dimension: dimension, generator: &generator)
            }
            written[hashString] = vectors
            try folder.cache.writeVisualAnalysis(
                VisualAnalysis(
                    hashString: hashString,
                    sourcePath: "/media/\(mediaIndex).mov",
                    modelKey: "random-16",
                    dimension: dimension,
                    duration: Double(frameCount),
                    frameTimes: (0..<frameCount).map(Double.init),
                    vectors: vectors,
                    sceneStarts: [0],
                    thumbnails: []
                ),
                mediaType: "video"
            )
        }
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)

        // expected ranking from the values the index holds: Float16 on disk, bfloat16 in memory
        let queryVector = randomUnitVector(dimension: dimension, generator: &generator)
        for hashString in written.keys {
            let stored = try #require(try folder.cache.readVisualAnalysis(hashString: hashString))
            for frame in 0..<stored.frameCount {
                let held = stored.vector(ofFrame: frame).map { value in
                    Float(bitPattern: UInt32(BFloat16.bitPattern(of: value)) << 16)
                }
                let score = zip(held, queryVector).reduce(0) { $0 + $1.0 * $1.1 }
                allScores.append((hashString, frame, score))
            }
        }
        allScores.sort { $0.score > $1.score }

        let query = VisualQuery(
            cacheDirectoryPath: folder.path,
            modelKey: "random-16",
            vector: queryVector,
            maxResults: 37,
            perScene: false
        )
        let matches = index.search(query)
        #expect(matches.count == 37)
        for (match, expected) in zip(matches, allScores) {
            #expect(abs(match.score - expected.score) < 1e-5)
        }
        #expect(zip(matches, matches.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(matches.map(\.originalIndex) == Array(0..<37))
    }
}
