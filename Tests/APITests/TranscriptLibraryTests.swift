import AnalysisStore
import Foundation
import JumperCore
import Testing

@testable import API

@Suite struct TranscriptLibraryTests {
    private static let goodHash = "0000000a-100"
    private static let damagedHash = "0000000b-200"

    /// A cache folder with one valid transcript and one damaged one, and a library indexing it.
    private final class Fixture {
        let root: String
        let cache: CacheDirectory
        let sink = MemoryLogSink()
        let library: TranscriptLibrary
        let damagedPath: String

        init() throws {
            self.root = NSTemporaryDirectory() + "transcript-library-test-" + UUID().uuidString
            self.cache = try CacheDirectory(path: self.root + "/cache")
            self.library = TranscriptLibrary(
                dataDirectory: self.root + "/data",
                logger: Logger(label: "test", sink: self.sink)
            )
            self.damagedPath = self.cache.mediaFolderPath(hashString: TranscriptLibraryTests.damagedHash) + "/speech.json"
            let good = #"{"language": "en", "model_key": "whisper-base", "duration": 2, "segments": []}"#
            try self.write(good, hashString: TranscriptLibraryTests.goodHash)
            try self.write("garbage\n", hashString: TranscriptLibraryTests.damagedHash)
        }

        private func write(_ text: String, hashString: String) throws {
            try self.cache.writeAnalysisFile(
                Array(text.utf8),
                record: AnalysisRecord(kind: "speech", modelKey: "whisper-base", file: "speech.json", createdAt: Date()),
                hashString: hashString,
                sourcePath: "/media/\(hashString).wav",
                duration: 2,
                mediaType: "audio"
            )
        }

        deinit {
            try? FileManager.default.removeItem(atPath: self.root)
        }
    }

    @Test func loadSkipsDamagedTranscript() throws {
        let fixture = try Fixture()
        let summary = try fixture.library.load(cache: fixture.cache, hashStrings: nil)
        #expect(summary.transcribed == [Self.goodHash])
        #expect(summary.failures.count == 1)
        #expect(summary.failures.first?.hashString == Self.damagedHash)
        #expect(summary.failures.first?.message.contains(fixture.damagedPath) == true)
    }

    @Test func damagedTranscriptLogsOneWarning() throws {
        let fixture = try Fixture()
        try fixture.library.load(cache: fixture.cache, hashStrings: nil)
        let again = try fixture.library.load(cache: fixture.cache, hashStrings: nil)
        #expect(again.failures.count == 1)
        let warnings = fixture.sink.records.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message == "damaged transcript skipped")
        #expect(warnings.first?.metadata["file.path"] == fixture.damagedPath)
        #expect(warnings.first?.metadata["error"]?.isEmpty == false)
    }

    @Test func readingDamagedTranscriptNamesFile() throws {
        let fixture = try Fixture()
        do {
            _ = try fixture.library.transcript(cache: fixture.cache, hashString: Self.damagedHash)
            Issue.record("reading a damaged transcript succeeded")
        } catch let error as DamagedTranscriptError {
            #expect(error.path == fixture.damagedPath)
            #expect(error.description.contains("force"))
        }
    }
}
