import AnalysisStore
import Foundation
import Testing

@Suite struct CacheDirectoryTests {
    @Test func existingPathOpensFolder() throws {
        let folder = try TemporaryFolder()
        let cache = try CacheDirectory(existingPath: folder.path + "/")
        #expect(cache.path == folder.path)
    }

    @Test func existingPathCreatesNothing() throws {
        let folder = try TemporaryFolder()
        let missing = folder.path + "/typo/a/b"
        #expect(throws: StoreError.cacheDirectoryNotFound(path: missing)) {
            try CacheDirectory(existingPath: missing + "/")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/typo"))
    }

    @Test func existingPathRejectsFile() throws {
        let folder = try TemporaryFolder()
        let filePath = folder.path + "/file"
        try Data([1]).write(to: URL(fileURLWithPath: filePath))
        #expect(throws: StoreError.invalidCacheDirectory(path: filePath, reason: "it exists but is not a folder")) {
            try CacheDirectory(existingPath: filePath)
        }
    }

    @Test func notFoundMessageNamesPathAndFix() {
        let text = StoreError.cacheDirectoryNotFound(path: "/srv/cahce").description
        #expect(text.contains("'/srv/cahce'"))
        #expect(text.contains("Analyse media into it first"))
    }

    @Test func validatePathCreatesNothing() throws {
        let folder = try TemporaryFolder()
        try CacheDirectory.validatePath(folder.path + "/new/cache")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/new"))
    }

    @Test func validatePathRejectsFileParent() throws {
        let folder = try TemporaryFolder()
        let filePath = folder.path + "/file"
        try Data([1]).write(to: URL(fileURLWithPath: filePath))
        #expect(throws: StoreError.self) {
            try CacheDirectory.validatePath(filePath + "/a/cache")
        }
    }

    @Test func uncreatableFolderIsInvalid() {
        do {
            _ = try CacheDirectory(path: "/proc/jumper-test-cache")
            Issue.record("creating a folder below /proc succeeded")
        } catch .invalidCacheDirectory(let path, let reason) {
            #expect(path == "/proc/jumper-test-cache")
            #expect(reason.contains("cannot be created"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
