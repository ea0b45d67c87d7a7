import Foundation
import Testing

@testable import WatchFolders

@Suite struct FolderScannerTests {
    let filter = FileFilter(excludedExtensions: ["xml"], excludedGlobs: ["*_proxy.*"])

    @Test func listsTakenFilesRecursively() throws {
        let folder = try TemporaryFolder("scanner")
        let clip = try folder.write("day1/clip.mp4", bytes: 1_000)
        let photo = try folder.write("day1/nested/photo.JPG")
        try folder.write("day1/clip.xml")
        try folder.write("day1/clip_proxy.mp4")
        try folder.write(".hidden/secret.mp4")
        try folder.write("day1/.DS_Store")
        try folder.write("day2/copying.mov.part")

        let scan = try FolderScanner.scan(root: folder.path, recursive: true, filter: self.filter)
        #expect(Set(scan.files.keys) == [clip, photo])
        #expect(scan.files[clip]?.size == 1_000)
        #expect(scan.skippedCount == 4)
        #expect(scan.directories.count == 4)
        #expect(!scan.directories.contains { $0.contains(".hidden") })
    }

    @Test func nonRecursiveStaysInRoot() throws {
        let folder = try TemporaryFolder("scanner")
        let top = try folder.write("top.mp4")
        try folder.write("sub/below.mp4")
        let scan = try FolderScanner.scan(root: folder.path, recursive: false, filter: self.filter)
        #expect(Array(scan.files.keys) == [top])
        #expect(scan.directories == [folder.path])
    }

    @Test func skipsExcludedSubfolder() throws {
        let folder = try TemporaryFolder("scanner")
        let kept = try folder.write("a.mp4")
        try folder.write("cache/thumb.jpg")
        let scan = try FolderScanner.scan(
            root: folder.path,
            recursive: true,
            filter: self.filter,
            excluding: [folder.path + "/cache"]
        )
        #expect(Array(scan.files.keys) == [kept])
    }

    @Test func missingRootThrowsUnavailable() throws {
        let folder = try TemporaryFolder("scanner")
        let missing = folder.path + "/gone"
        #expect(throws: FolderUnavailable.self) {
            try FolderScanner.scan(root: missing, recursive: true, filter: self.filter)
        }
        let file = try folder.write("file.mp4")
        #expect(throws: FolderUnavailable.self) {
            try FolderScanner.scan(root: file, recursive: true, filter: self.filter)
        }
    }

    @Test func tenThousandFilesScanQuickly() throws {
        let folder = try TemporaryFolder("scanner-large")
        for index in 0..<10_000 {
            _ = FileManager.default.createFile(atPath: "\(folder.path)/note-\(index).txt", contents: nil)
        }
        try folder.write("deep/a/b/clip.mp4")
        let started = Date()
        let scan = try FolderScanner.scan(root: folder.path, recursive: true, filter: self.filter)
        let elapsed = Date().timeIntervalSince(started)
        #expect(scan.files.count == 1)
        #expect(scan.skippedCount == 10_000)
        // Measured about 0.02 s in a debug build; the bound only catches a per-file stat or worse.
        #expect(elapsed < 2)
    }
}
