import AnalysisStore
import Foundation
import Testing

@Suite struct ManifestTests {
    @Test func manifestKeepsEarlierPaths() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(sourcePath: "/mnt/a/clip.mov"), mediaType: "video")
        let first = try #require(try cache.manifest(hashString: "1a2b3c4d-123456"))
        try cache.writeVisualAnalysis(makeAnalysis(sourcePath: "/Volumes/share/clip.mov"), mediaType: "video")
        try cache.writeVisualAnalysis(makeAnalysis(sourcePath: "/mnt/a/clip.mov"), mediaType: "video")

        let manifest = try #require(try cache.manifest(hashString: "1a2b3c4d-123456"))
        #expect(manifest.sourcePaths == ["/mnt/a/clip.mov", "/Volumes/share/clip.mov"])
        #expect(manifest.lastSourcePath == "/mnt/a/clip.mov")
        #expect(manifest.fileSize == 123_456)
        #expect(manifest.mediaType == "video")
        #expect(manifest.duration == 9.5)
        #expect(manifest.createdAt == first.createdAt)
        #expect(manifest.updatedAt >= first.updatedAt)
        #expect(manifest.analyses["visual"]?.modelKey == "test-model-8")
        #expect(manifest.analyses["visual"]?.file == "visual.jvis")
    }

    @Test func recordSourcePathAddsPath() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.recordSourcePath(hashString: "1a2b3c4d-123456", sourcePath: "/ignored.mov")
        #expect(try cache.manifest(hashString: "1a2b3c4d-123456") == nil)

        try cache.writeVisualAnalysis(makeAnalysis(sourcePath: "/a.mov"), mediaType: "video")
        try cache.recordSourcePath(hashString: "1a2b3c4d-123456", sourcePath: "/b.mov")
        let manifest = try #require(try cache.manifest(hashString: "1a2b3c4d-123456"))
        #expect(manifest.sourcePaths == ["/a.mov", "/b.mov"])
        #expect(manifest.lastSourcePath == "/b.mov")
    }

    @Test func otherKindsSitBesideVisual() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(), mediaType: "video")
        let transcript = Array(#"{"segments":[]}"#.utf8)
        let record = AnalysisRecord(kind: "speech", modelKey: "whisper-base", file: "speech.json", createdAt: Date())
        try cache.writeAnalysisFile(
            transcript,
            record: record,
            hashString: "1a2b3c4d-123456",
            sourcePath: "/media/clip.mov",
            duration: 9.5,
            mediaType: "video"
        )

        #expect(try cache.readAnalysisFile(hashString: "1a2b3c4d-123456", fileName: "speech.json") == transcript)
        let manifest = try #require(try cache.manifest(hashString: "1a2b3c4d-123456"))
        #expect(manifest.analyses.keys.sorted() == ["speech", "visual"])
        #expect(manifest.analyses["speech"]?.modelKey == "whisper-base")
        #expect(try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456") != nil)
    }

    @Test func analysisFileNameMustBePlain() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        for name in ["../escape.json", "manifest.json", ".hidden", ""] {
            let record = AnalysisRecord(kind: "speech", modelKey: "whisper-base", file: name, createdAt: Date())
            #expect(throws: StoreError.self) {
                try cache.writeAnalysisFile(
                    [1],
                    record: record,
                    hashString: "1a2b3c4d-123456",
                    sourcePath: "/media/clip.mov",
                    duration: 1,
                    mediaType: "video"
                )
            }
        }
    }

    @Test func damagedManifestNamesPathAndIsReplaced() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(), mediaType: "video")
        let path = cache.manifestPath(hashString: "1a2b3c4d-123456")
        try Data("{\"format\": 3".utf8).write(to: URL(fileURLWithPath: path))

        do {
            _ = try cache.manifest(hashString: "1a2b3c4d-123456")
            Issue.record("reading a damaged manifest succeeded")
        } catch StoreError.damagedManifest(let damagedPath, _) {
            #expect(damagedPath == path)
        }
        try cache.writeVisualAnalysis(makeAnalysis(sourcePath: "/media/new.mov"), mediaType: "video")
        let manifest = try #require(try cache.manifest(hashString: "1a2b3c4d-123456"))
        #expect(manifest.lastSourcePath == "/media/new.mov")
    }

    @Test func hashListingSkipsOtherEntries() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(path: folder.path)
        let hashes = ["ffffffff-9", "00000000-10", "1a2b3c4d-123456"]
        for hash in hashes {
            try cache.writeVisualAnalysis(makeAnalysis(hashString: hash), mediaType: "video")
        }
        for name in ["collections", ".abcdef12-1"] {
            let path = folder.path + "/" + name
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        try Data([1]).write(to: URL(fileURLWithPath: folder.path + "/abcdef12-5"))

        #expect(try cache.allHashStrings() == hashes.sorted())
    }
}
