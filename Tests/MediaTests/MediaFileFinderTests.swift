import Foundation
import Media
import Testing

@Suite struct MediaFileFinderTests {
    private func makeTree() throws -> String {
        let folder = try TestMedia.makeTemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/.hidden", withIntermediateDirectories: true)
        for name in [
            "b.MOV", "a.mp4", "notes.txt", ".secret.mp4", "download.mp4.part", "copy.mp4.crdownload",
            "render.tmp", "sub/c.wav", "sub/d.png", ".hidden/e.mp4",
        ] {
            try Data([1]).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        return folder
    }

    @Test func listsTopLevelMediaSorted() throws {
        let folder = try self.makeTree()
        let files = try MediaFileFinder.mediaFiles(inFolder: folder, recursive: false)
        #expect(files == [folder + "/a.mp4", folder + "/b.MOV"])
    }

    @Test func recursiveSkipsHiddenFolders() throws {
        let folder = try self.makeTree()
        let files = try MediaFileFinder.mediaFiles(inFolder: folder, recursive: true)
        #expect(files == [folder + "/a.mp4", folder + "/b.MOV", folder + "/sub/c.wav", folder + "/sub/d.png"])
    }

    @Test func likelyMediaByExtension() {
        #expect(MediaFileFinder.isLikelyMedia(path: "/x/clip.MP4"))
        #expect(MediaFileFinder.isLikelyMedia(path: "/x/café 東京 🎬.mov"))
        #expect(!MediaFileFinder.isLikelyMedia(path: "/x/.clip.mp4"))
        #expect(!MediaFileFinder.isLikelyMedia(path: "/x/clip.mp4.part"))
        #expect(!MediaFileFinder.isLikelyMedia(path: "/x/readme.txt"))
    }

    @Test func fileInsteadOfFolderRaisesNotAFolder() throws {
        let path = try TestMedia.path("photos.mp4")
        let error = MediaErrorCapture.error { _ = try MediaFileFinder.mediaFiles(inFolder: path, recursive: false) }
        guard case .notAFolder(let errorPath) = error else {
            Issue.record("expected notAFolder, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
    }
}
