import AnalysisStore
import Foundation
import Testing

@Suite struct VisualFileTests {
    @Test func roundTripKeepsAnalysis() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        let analysis = makeAnalysis(frameCount: 25, dimension: 16)
        try cache.writeVisualAnalysis(analysis, mediaType: "video")

        let read = try #require(try cache.readVisualAnalysis(hashString: analysis.hashString))
        #expect(read.hashString == analysis.hashString)
        #expect(read.sourcePath == analysis.sourcePath)
        #expect(read.modelKey == analysis.modelKey)
        #expect(read.dimension == 16)
        #expect(read.frameCount == 25)
        #expect(read.duration == analysis.duration)
        #expect(read.frameTimes == analysis.frameTimes)
        #expect(read.sceneStarts == analysis.sceneStarts)
        #expect(read.thumbnails == analysis.thumbnails)
        #expect(read.vectors.count == analysis.vectors.count)
        let maxError = zip(read.vectors, analysis.vectors).map { abs($0 - $1) }.max() ?? 1
        #expect(maxError < 1e-3)
    }

    @Test func missingAnalysisReadsAsNil() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        #expect(try cache.readVisualAnalysis(hashString: "00000000-1") == nil)
        #expect(try cache.readVisualHeader(hashString: "00000000-1") == nil)
        #expect(try cache.manifest(hashString: "00000000-1") == nil)
        #expect(!cache.hasVisualAnalysis(hashString: "00000000-1", modelKey: "test-model-8"))
    }

    @Test func headerGivesModelAndFrameCount() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(modelKey: "clip-vit-b-32", frameCount: 7), mediaType: "video")

        let header = try #require(try cache.readVisualHeader(hashString: "1a2b3c4d-123456"))
        #expect(header.modelKey == "clip-vit-b-32")
        #expect(header.frameCount == 7)
        #expect(cache.hasVisualAnalysis(hashString: "1a2b3c4d-123456", modelKey: "clip-vit-b-32"))
        #expect(!cache.hasVisualAnalysis(hashString: "1a2b3c4d-123456", modelKey: "label-bridge-384"))
    }

    @Test func emptyThumbnailListReadsAsEmptyPerFrame() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        var analysis = makeAnalysis(frameCount: 3)
        analysis.thumbnails = []
        try cache.writeVisualAnalysis(analysis, mediaType: "video")

        let read = try #require(try cache.readVisualAnalysis(hashString: analysis.hashString))
        #expect(read.thumbnails == [[], [], []])
    }

    @Test func thumbnailsReadByFrame() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        let analysis = makeAnalysis(frameCount: 6)
        try cache.writeVisualAnalysis(analysis, mediaType: "video")

        let header = try #require(try cache.readVisualFileHeader(hashString: analysis.hashString))
        let thumbnails = try cache.readThumbnails(of: header, frameIndices: [5, 0, 3])
        #expect(thumbnails == [analysis.thumbnails[5], analysis.thumbnails[0], analysis.thumbnails[3]])
        #expect(throws: StoreError.self) {
            try cache.readThumbnails(of: header, frameIndices: [6])
        }
    }

    @Test func thumbnailReadAfterReplacementFails() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(seed: 1), mediaType: "video")
        let header = try #require(try cache.readVisualFileHeader(hashString: "1a2b3c4d-123456"))
        try cache.writeVisualAnalysis(makeAnalysis(seed: 2), mediaType: "video")

        do {
            _ = try cache.readThumbnails(of: header, frameIndices: [0])
            Issue.record("reading thumbnails of a replaced file succeeded")
        } catch {
            #expect(damagedPath(error) == header.path)
        }
    }

    @Test func invalidAnalysesAreRejected() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        var unnormalised = makeAnalysis()
        unnormalised.vectors[0] += 0.5
        var wrongCount = makeAnalysis()
        wrongCount.vectors.removeLast()
        var badScenes = makeAnalysis()
        badScenes.sceneStarts = [1, 4]
        var decreasingTimes = makeAnalysis()
        decreasingTimes.frameTimes[3] = 0.5
        var relativeSource = makeAnalysis()
        relativeSource.sourcePath = "clip.mov"
        var tooFewThumbnails = makeAnalysis()
        tooFewThumbnails.thumbnails.removeLast()

        for analysis in [unnormalised, wrongCount, badScenes, decreasingTimes, relativeSource, tooFewThumbnails] {
            #expect(throws: StoreError.self) {
                try cache.writeVisualAnalysis(analysis, mediaType: "video")
            }
        }
        #expect(try cache.allHashStrings() == [])
    }

    @Test func badHashStringsAreRejected() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        for value in ["../etc", "1A2B3C4D-12", "1a2b3c4d", "1a2b3c4d-", "1a2b3c4d-12/..", ""] {
            #expect(throws: StoreError.invalidHashString(value)) {
                try cache.readVisualAnalysis(hashString: value)
            }
        }
    }

    @Test func relativeCacheDirectoryIsRejected() throws {
        #expect(throws: StoreError.self) {
            try CacheDirectory(path: "relative/cache")
        }
    }

    @Test func fileAsCacheDirectoryIsRejected() throws {
        let folder = try TemporaryFolder()
        let filePath = folder.path + "/not-a-folder"
        try Data([1]).write(to: URL(fileURLWithPath: filePath))
        #expect(throws: StoreError.self) {
            try CacheDirectory(path: filePath)
        }
    }

    @Test func missingCacheDirectoryIsCreated() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path + "/a/b/cache/")
        #expect(cache.path == folder.path + "/a/b/cache")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: cache.path, isDirectory: &isFolder))
        #expect(isFolder.boolValue)
    }
}
