import Testing

@testable import WatchFolders

@Suite struct FileFilterTests {
    let filter = FileFilter(excludedExtensions: [".XML", "srt", "..lrv"], excludedGlobs: ["*_proxy.*", "draft?.mov"])

    @Test(arguments: [
        ("clip.mp4", nil),
        ("CLIP.MOV", nil),
        ("photo.JPG", nil),
        ("sidecar.xml", FileFilter.Rejection.excludedExtension),
        ("sidecar.XmL", .excludedExtension),
        ("subtitles.SRT", .excludedExtension),
        ("low-res.lrv", .excludedExtension),
        ("clip_proxy.mov", .excludedGlob),
        ("draft1.mov", .excludedGlob),
        ("draft12.mov", nil),
        (".hidden.mp4", .hidden),
        ("movie.mp4.part", .incomplete),
        ("movie.mp4.crdownload", .incomplete),
        ("movie.mp4.TMP", .incomplete),
        ("notes.txt", .notMedia),
        ("README", .notMedia),
    ] as [(String, FileFilter.Rejection?)])
    func rejectsByName(name: String, expected: FileFilter.Rejection?) {
        #expect(self.filter.rejection(ofName: name) == expected)
    }

    @Test func globsIgnoreTheDirectory() {
        let filter = FileFilter(excludedExtensions: [], excludedGlobs: ["proxies*", "*/clip.mp4"])
        #expect(filter.accepts(path: "/footage/proxies/clip.mp4"))
        #expect(filter.accepts(path: "/footage/day1/clip.mp4"))
        #expect(!filter.accepts(path: "/footage/day1/proxies-clip.mp4"))
    }

    @Test func extensionsNormaliseDotAndCase() {
        #expect(FileFilter.normalizedExtension(".XML") == "xml")
        #expect(FileFilter.normalizedExtension("xml") == "xml")
        #expect(FileFilter.normalizedExtension("..Mp4") == "mp4")
    }

    @Test func excludedExtensionBeatsMediaExtension() {
        let filter = FileFilter(excludedExtensions: ["MOV"], excludedGlobs: [])
        #expect(filter.rejection(ofName: "a.mov") == .excludedExtension)
        #expect(filter.rejection(ofName: "a.mp4") == nil)
    }
}
