import AnalysisStore
import Foundation
import Testing

@Suite struct DamagedFileTests {
    /// Writes one analysis and returns the cache, its file path and its size.
    private func writeSample(_ folder: TemporaryFolder) throws -> (CacheDirectory, String, Int) {
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeVisualAnalysis(makeAnalysis(frameCount: 12, dimension: 8), mediaType: "video")
        let path = cache.visualAnalysisPath(hashString: "1a2b3c4d-123456")
        return (cache, path, try fileSize(path))
    }

    @Test(arguments: [0, 3, 11, 12, 40, -300, -20, -1])
    func truncatedFileNamesPath(cut: Int) throws {
        let folder = try TemporaryFolder()
        let (cache, path, size) = try self.writeSample(folder)
        let newSize = cut >= 0 ? cut : size + cut
        #expect(truncate(path, off_t(newSize)) == 0)

        do {
            _ = try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456")
            Issue.record("reading a file truncated to \(newSize) bytes succeeded")
        } catch {
            #expect(damagedPath(error) == path)
            #expect("\(error)".contains(path))
        }
        #expect(!cache.hasVisualAnalysis(hashString: "1a2b3c4d-123456", modelKey: "test-model-8"))
    }

    @Test func wrongMagicNamesPath() throws {
        let folder = try TemporaryFolder()
        let (cache, path, _) = try self.writeSample(folder)
        try overwrite(path, at: 0, with: Array("JPEG".utf8))

        #expect(throws: StoreError.damagedFile(path: path, reason: "magic bytes are not 'JVIS'")) {
            try cache.readVisualHeader(hashString: "1a2b3c4d-123456")
        }
    }

    @Test func newerVersionIsUnsupported() throws {
        let folder = try TemporaryFolder()
        let (cache, path, _) = try self.writeSample(folder)
        try overwrite(path, at: 4, with: [2, 0, 0, 0])

        #expect(throws: StoreError.unsupportedVersion(path: path, version: 2, supportedVersion: 1)) {
            try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456")
        }
    }

    @Test func corruptedHeaderNamesPath() throws {
        let folder = try TemporaryFolder()
        let (cache, path, _) = try self.writeSample(folder)
        try overwrite(path, at: 12, with: Array("[[[".utf8))

        do {
            _ = try cache.readVisualHeader(hashString: "1a2b3c4d-123456")
            Issue.record("reading a corrupted header succeeded")
        } catch {
            #expect(damagedPath(error) == path)
        }
    }

    @Test func hugeHeaderLengthNamesPath() throws {
        let folder = try TemporaryFolder()
        let (cache, path, _) = try self.writeSample(folder)
        try overwrite(path, at: 8, with: [0xFF, 0xFF, 0xFF, 0x7F])

        do {
            _ = try cache.readVisualHeader(hashString: "1a2b3c4d-123456")
            Issue.record("reading a file with a huge header length succeeded")
        } catch {
            #expect(damagedPath(error) == path)
        }
    }

    @Test func corruptedVectorFailsChecksum() throws {
        let folder = try TemporaryFolder()
        let (cache, path, size) = try self.writeSample(folder)
        // the last frame's vector ends 60 bytes (12 five-byte thumbnails) before the end
        try overwrite(path, at: size - 60 - 3, with: [0x55])

        #expect(throws: StoreError.damagedFile(path: path, reason: "vector checksum does not match")) {
            try cache.readVisualVectors(hashString: "1a2b3c4d-123456")
        }
    }

    @Test func corruptedThumbnailFailsChecksum() throws {
        let folder = try TemporaryFolder()
        let (cache, path, size) = try self.writeSample(folder)
        try overwrite(path, at: size - 2, with: [0x00])

        #expect(throws: StoreError.damagedFile(path: path, reason: "thumbnail checksum does not match")) {
            try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456")
        }
        // the vectors alone are intact
        #expect(try cache.readVisualVectors(hashString: "1a2b3c4d-123456") != nil)
    }

    @Test func fileOfAnotherHashIsRejected() throws {
        let folder = try TemporaryFolder()
        let (cache, path, _) = try self.writeSample(folder)
        try FileManager.default.createDirectory(atPath: folder.path + "/ffffffff-1", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: path, toPath: cache.visualAnalysisPath(hashString: "ffffffff-1"))

        do {
            _ = try cache.readVisualAnalysis(hashString: "ffffffff-1")
            Issue.record("reading a file copied into another hash folder succeeded")
        } catch {
            #expect(damagedPath(error) == cache.visualAnalysisPath(hashString: "ffffffff-1"))
        }
    }

    @Test func randomGarbageNeverCrashes() throws {
        let folder = try TemporaryFolder()
        let (cache, path, size) = try self.writeSample(folder)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var generator = SeededGenerator(state: 7)
        for _ in 0..<200 {
            var bytes = [UInt8](original)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<size, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            // a changed byte either fails with a StoreError or leaves a readable analysis
            do {
                _ = try cache.readVisualAnalysis(hashString: "1a2b3c4d-123456")
            } catch {
                #expect("\(error)".contains(path))
            }
        }
    }
}
