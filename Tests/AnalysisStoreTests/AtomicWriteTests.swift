import AnalysisStore
import Foundation
import Testing

@Suite struct AtomicWriteTests {
    @Test func leftoverTemporaryFileIsIgnoredThenCleaned() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        let analysis = makeAnalysis()
        try cache.writeVisualAnalysis(analysis, mediaType: "video")

        // a crashed write leaves a half-written temporary file beside the target
        let mediaFolder = cache.mediaFolderPath(hashString: analysis.hashString)
        let stalePath = mediaFolder + "/.visual.jvis.999.12345.tmp"
        let freshPath = mediaFolder + "/.visual.jvis.998.54321.tmp"
        try Data([0x4A, 0x56]).write(to: URL(fileURLWithPath: stalePath))
        try Data([0x4A, 0x56]).write(to: URL(fileURLWithPath: freshPath))
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: stalePath)

        let read = try #require(try cache.readVisualAnalysis(hashString: analysis.hashString))
        #expect(read.frameCount == analysis.frameCount)
        #expect(try cache.allHashStrings() == [analysis.hashString])

        try cache.writeVisualAnalysis(analysis, mediaType: "video")
        #expect(!FileManager.default.fileExists(atPath: stalePath))
        // a recent temporary file may belong to a write still running elsewhere
        #expect(FileManager.default.fileExists(atPath: freshPath))
    }

    @Test func sweepRemovesStaleTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(), mediaType: "video")
        let stalePath = cache.mediaFolderPath(hashString: "1a2b3c4d-123456") + "/.manifest.json.1.2.tmp"
        try Data([0x7B]).write(to: URL(fileURLWithPath: stalePath))

        #expect(try cache.removeStaleTemporaryFiles(minimumAgeSeconds: 3600) == 0)
        #expect(try cache.removeStaleTemporaryFiles(minimumAgeSeconds: 0) == 1)
        #expect(!FileManager.default.fileExists(atPath: stalePath))
    }

    @Test func writeLeavesNoTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(), mediaType: "video")
        try cache.writeVisualAnalysis(makeAnalysis(seed: 3), mediaType: "video")

        let mediaFolder = cache.mediaFolderPath(hashString: "1a2b3c4d-123456")
        let names = try FileManager.default.contentsOfDirectory(atPath: mediaFolder)
        #expect(names.sorted() == ["manifest.json", "visual.jvis"])
    }

    @Test func rewriteReplacesWholeFile() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(frameCount: 30), mediaType: "video")
        try cache.writeVisualAnalysis(makeAnalysis(modelKey: "other-model", frameCount: 5), mediaType: "video")

        let read = try #require(try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456"))
        #expect(read.frameCount == 5)
        #expect(read.modelKey == "other-model")
    }

    @Test func concurrentWritesLeaveReadableFile() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            try? cache.writeVisualAnalysis(
                makeAnalysis(sourcePath: "/media/copy-\(index).mov", frameCount: 20 + index, seed: UInt64(index)),
                mediaType: "video"
            )
        }
        let read = try #require(try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456"))
        #expect((20..<28).contains(read.frameCount))
        let manifest = try #require(try cache.manifest(hashString: "1a2b3c4d-123456"))
        #expect(manifest.sourcePaths.count == 8)
    }
}
