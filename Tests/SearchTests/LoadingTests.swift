import AnalysisStore
import Dispatch
import Foundation
import Search
import Testing

@Suite struct LoadingTests {
    @Test func loadAllSkipsUnchangedFiles() throws {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.5, 0.6])
        try writeMedia(folder.cache, hashString: "bbbbbbbb-2", queryScores: [0.5])
        let (index, _) = makeIndex()

        let first = try index.loadAll(cacheDirectory: folder.cache)
        #expect(first.newlyLoadedCount == 2)
        #expect(first.frameCount == 3)
        let second = try index.loadAll(cacheDirectory: folder.cache)
        #expect(second.newlyLoadedCount == 0)
        #expect(second.unchangedCount == 2)
        #expect(second.loaded.map(\.hashString) == ["aaaaaaaa-1", "bbbbbbbb-2"])
    }

    @Test func loadAllReloadsRewrittenFile() throws {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.5, 0.6])
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)

        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.1, 0.2, 0.9])
        let summary = try index.loadAll(cacheDirectory: folder.cache)
        #expect(summary.newlyLoadedCount == 1)
        let matches = index.search(VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0)))
        #expect(matches.map(\.frameIndex) == [2])
        #expect(matches.first?.thumbnail == Array("jpeg-aaaaaaaa-1-2".utf8))
    }

    @Test func matchesReportLastSeenPath() throws {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.5, 0.6])
        let (index, _) = makeIndex()
        let query = VisualQuery(cacheDirectoryPath: folder.path, modelKey: "hand-4", vector: axis(0))
        _ = try index.loadAll(cacheDirectory: folder.cache)
        #expect(index.search(query).first?.sourcePath == "/media/aaaaaaaa-1.mov")

        // The same content seen again under another name updates only the manifest.
        try folder.cache.recordSourcePath(hashString: "aaaaaaaa-1", sourcePath: "/moved/clip one.mov")
        let summary = try index.loadAll(cacheDirectory: folder.cache)
        #expect(summary.unchangedCount == 1)
        #expect(summary.loaded.first?.sourcePath == "/moved/clip one.mov")
        #expect(index.search(query).first?.sourcePath == "/moved/clip one.mov")
    }

    @Test func loadAllDropsDeletedMedia() throws {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.5])
        try writeMedia(folder.cache, hashString: "bbbbbbbb-2", queryScores: [0.5])
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: folder.cache)

        try FileManager.default.removeItem(atPath: folder.cache.mediaFolderPath(hashString: "bbbbbbbb-2"))
        let summary = try index.loadAll(cacheDirectory: folder.cache)
        #expect(summary.removedCount == 1)
        #expect(index.loadedEntries(cacheDirectoryPath: folder.path).map(\.hashString) == ["aaaaaaaa-1"])
    }

    @Test func loadReportsMissingHashes() throws {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.5, 0.7], sceneStarts: [0, 1])
        let (index, _) = makeIndex()

        let summary = try index.load(cacheDirectory: folder.cache, hashStrings: ["aaaaaaaa-1", "eeeeeeee-5"])
        #expect(summary.missingHashStrings == ["eeeeeeee-5"])
        let entry = try #require(summary.loaded.first)
        #expect(entry.hashString == "aaaaaaaa-1")
        #expect(entry.modelKey == "hand-4")
        #expect(entry.frameCount == 2)
        #expect(entry.sceneCount == 2)
        #expect(entry.dimension == 4)
        #expect(entry.sourcePath == "/media/aaaaaaaa-1.mov")
        #expect(throws: StoreError.invalidHashString("../x")) {
            try index.load(cacheDirectory: folder.cache, hashStrings: ["../x"])
        }
    }

    @Test func damagedFileIsReportedNotLoaded() throws {
        let folder = try TemporaryCache()
        try writeMedia(folder.cache, hashString: "aaaaaaaa-1", queryScores: [0.5])
        try writeMedia(folder.cache, hashString: "bbbbbbbb-2", queryScores: [0.9])
        let path = folder.cache.visualAnalysisPath(hashString: "bbbbbbbb-2")
        #expect(truncate(path, 100) == 0)
        let (index, sink) = makeIndex()

        let summary = try index.loadAll(cacheDirectory: folder.cache)
        #expect(summary.loaded.map(\.hashString) == ["aaaaaaaa-1"])
        #expect(summary.failures.map(\.hashString) == ["bbbbbbbb-2"])
        #expect(summary.failures.first?.message.contains(path) == true)
        let errorRecord = sink.records.first { $0.level == .error }
        #expect(errorRecord?.message == "visual analysis load failed")
        #expect(errorRecord?.metadata["media.hash"] == "bbbbbbbb-2")
    }

    @Test func cacheFoldersAreSeparate() throws {
        let first = try TemporaryCache()
        let second = try TemporaryCache()
        try writeMedia(first.cache, hashString: "aaaaaaaa-1", queryScores: [0.5])
        try writeMedia(second.cache, hashString: "bbbbbbbb-2", queryScores: [0.5])
        let (index, _) = makeIndex()
        _ = try index.loadAll(cacheDirectory: first.cache)
        _ = try index.loadAll(cacheDirectory: second.cache)

        let matches = index.search(VisualQuery(cacheDirectoryPath: second.path, modelKey: "hand-4", vector: axis(0)))
        #expect(matches.map(\.hashString) == ["bbbbbbbb-2"])
        index.unloadAll(cacheDirectoryPath: second.path)
        #expect(index.loadedEntries(cacheDirectoryPath: second.path).isEmpty)
        #expect(index.loadedEntries(cacheDirectoryPath: first.path).count == 1)
    }

    @Test func searchesRunDuringLoads() throws {
        let folder = try TemporaryCache()
        var generator = SeededGenerator(state: 5)
        for mediaIndex in 0..<8 {
            let scores = (0..<200).map { _ in Float.random(in: 0...0.9, using: &generator) }
            try writeMedia(folder.cache, hashString: "0000000\(mediaIndex)-1", queryScores: scores)
        }
        let (index, _) = makeIndex()
        _ = try index.load(cacheDirectory: folder.cache, hashStrings: ["00000000-1"])

        // one thread reloads after each rewrite while others search
        let failures = FailureCounter()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<20 {
                if worker == 0 {
                    if (try? index.loadAll(cacheDirectory: folder.cache)) == nil { failures.add() }
                    index.unloadAll(cacheDirectoryPath: folder.path)
                } else {
                    let query = VisualQuery(
                        cacheDirectoryPath: folder.path,
                        modelKey: "hand-4",
                        vector: axis(0),
                        maxResults: 5 + round
                    )
                    let matches = index.search(query)
                    if !zip(matches, matches.dropFirst()).allSatisfy({ $0.score >= $1.score }) { failures.add() }
                }
            }
        }
        #expect(failures.count == 0)
    }
}

/// Counts failures reported from several threads.
final class FailureCounter: @unchecked Sendable {
    // The lock protects `value`.
    private let lock = NSLock()
    private var value = 0

    func add() {
        self.lock.lock()
        self.value += 1
        self.lock.unlock()
    }

    var count: Int {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.value
    }
}
