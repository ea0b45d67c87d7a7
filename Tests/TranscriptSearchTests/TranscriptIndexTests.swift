import Foundation
import JumperCore
import Testing

@testable import TranscriptSearch

/// A fresh index in a temporary folder, removed when the test ends.
private final class IndexFixture {
    let folder: URL
    let index: TranscriptIndex

    init() throws {
        self.folder = FileManager.default.temporaryDirectory.appendingPathComponent("transcript-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        self.index = try TranscriptIndex(
            databasePath: self.folder.appendingPathComponent("transcripts.sqlite").path,
            logger: Logger(label: "transcript-index-tests", minimumLevel: .warning)
        )
    }

    deinit {
        try? FileManager.default.removeItem(at: self.folder)
    }

    func add(_ hash: String, _ texts: [String], path: String? = nil) throws {
        let segments: [JSON] = texts.enumerated().map { position, text in
            ["id": .number(Double(position)), "start": .number(Double(position) * 5), "end": .number(Double(position) * 5 + 4), "text": .string(text), "words": []]
        }
        let transcript: JSON = ["language": "en", "model_key": "whisper-base", "duration": 100, "segments": .array(segments)]
        try self.index.index(hashString: hash, sourcePath: path ?? "/media/\(hash).mp4", transcript: transcript)
    }

    func texts(_ query: String, in hashes: [String]? = nil) throws -> [String] {
        try self.index.search(query: query, hashStrings: hashes, maxResults: 50).map(\.text)
    }
}

/// Returns the highlighted substrings, counting offsets in Unicode scalars as the index does.
private func highlighted(_ match: TranscriptMatch) -> [String] {
    let scalars = Array(match.text.unicodeScalars)
    return match.highlights.map { range in
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range[0]..<range[1]])
        return String(view)
    }
}

struct TranscriptIndexTests {
    @Test func matchesIgnoringCase() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["And Mister John Dashwood had then leisure", "nothing here"])
        #expect(try fixture.texts("JOHN dashWOOD") == ["And Mister John Dashwood had then leisure"])
        #expect(try fixture.texts("dashwoods").isEmpty)
    }

    @Test func matchesIgnoringAccents() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["Félicitations, vous avez bien installé le système.", "Où êtes-vous ?"])
        #expect(try fixture.texts("felicitations installe") == ["Félicitations, vous avez bien installé le système."])
        #expect(try fixture.texts("ÉTES") == ["Où êtes-vous ?"])
        // Decomposed input (e + combining acute) folds to the same word.
        #expect(try fixture.texts("syste\u{0301}me") == ["Félicitations, vous avez bien installé le système."])
    }

    @Test func matchesIgnoringWidth() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["Ｔｏｋｙｏ ２０２０ was postponed", "plain text"])
        #expect(try fixture.texts("tokyo 2020") == ["Ｔｏｋｙｏ ２０２０ was postponed"])
        try fixture.add("b", ["the office is open"])
        #expect(try fixture.texts("ｏｆｆｉｃｅ") == ["the office is open"])
    }

    @Test func quotedPhraseNeedsAdjacentWords() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["he was not an ill disposed young man", "the young man was ill and not disposed to talk"])
        #expect(try fixture.texts("\"ill disposed\"") == ["he was not an ill disposed young man"])
        #expect(Set(try fixture.texts("ill disposed")).count == 2)
    }

    @Test func ranksMoreRelevantFirst() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", [
            "we talked about the weather and many other long and unrelated subjects for a while today",
            "rocket rocket launch",
            "the rocket",
        ])
        let matches = try fixture.index.search(query: "rocket", hashStrings: nil, maxResults: 10)
        #expect(matches.map(\.text) == ["rocket rocket launch", "the rocket"])
        #expect(matches[0].score <= matches[1].score)
    }

    @Test func findsChineseAndJapaneseSubstrings() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["我们明天去北京大学参观", "東京タワーに行きました", "english only"])
        #expect(try fixture.texts("北京大学") == ["我们明天去北京大学参观"])
        #expect(try fixture.texts("タワー") == ["東京タワーに行きました"])
        #expect(try fixture.texts("北京") == ["我们明天去北京大学参观"])
        #expect(try fixture.texts("上海").isEmpty)
        #expect(try fixture.texts("北京参观").isEmpty)
        // A single character is found by a scan of the folded text.
        #expect(try fixture.texts("京") == ["我们明天去北京大学参观", "東京タワーに行きました"])
        #expect(try fixture.texts("京 english").isEmpty)
        #expect(try fixture.texts("タワー 東京") == ["東京タワーに行きました"])
    }

    @Test func highlightsWordsPhrasesAndCJK() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["Élodie said: ÉLODIE, the ill disposed man!", "去北京大学参观"])
        let accent = try #require(try fixture.index.search(query: "elodie", hashStrings: nil, maxResults: 5).first)
        #expect(accent.highlights == [[0, 6], [13, 19]])
        #expect(highlighted(accent) == ["Élodie", "ÉLODIE"])

        let phrase = try #require(try fixture.index.search(query: "\"ill disposed\"", hashStrings: nil, maxResults: 5).first)
        #expect(highlighted(phrase) == ["ill disposed"])

        let chinese = try #require(try fixture.index.search(query: "北京大学", hashStrings: nil, maxResults: 5).first)
        #expect(chinese.highlights == [[1, 5]])
    }

    @Test func highlightOffsetsCountScalarsOfDecomposedText() throws {
        let fixture = try IndexFixture()
        // "e\u{301}" is two scalars: the offsets after it shift by one compared with "é".
        try fixture.add("a", ["cafe\u{301} noir"])
        let match = try #require(try fixture.index.search(query: "noir", hashStrings: nil, maxResults: 5).first)
        #expect(match.highlights == [[6, 10]])
        let cafe = try #require(try fixture.index.search(query: "café", hashStrings: nil, maxResults: 5).first)
        #expect(cafe.highlights == [[0, 5]])
    }

    @Test(arguments: [
        "\"", "\"\"", "AND", "OR NOT", "a:b", "col:text", "NEAR(a b)", "*", "^start", "(unbalanced", "'; DROP TABLE segments; --",
        "\"open phrase", "rocket*", "-rocket", "+", "%", "_", "\\",
    ])
    func hostileQueriesNeverThrow(query: String) throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["rocket launch AND landing", "a b c NEAR text"])
        _ = try fixture.index.search(query: query, hashStrings: nil, maxResults: 10)
    }

    @Test func operatorWordsAreSearchedAsText() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["cats and dogs", "cats or dogs"])
        #expect(try fixture.texts("OR") == ["cats or dogs"])
        #expect(try fixture.texts("rocket*").isEmpty)
    }

    @Test func filtersByHashAndRemoves() throws {
        let fixture = try IndexFixture()
        try fixture.add("hash-a", ["the rocket lifts off"], path: "/media/a.mp4")
        try fixture.add("hash-b", ["a rocket on the pad"], path: "/media/b.mp4")
        #expect(try fixture.texts("rocket", in: ["hash-b"]) == ["a rocket on the pad"])
        #expect(try fixture.texts("rocket", in: []).isEmpty)
        #expect(try fixture.index.indexedHashStrings() == ["hash-a", "hash-b"])

        try fixture.index.remove(hashString: "hash-a")
        let matches = try fixture.index.search(query: "rocket", hashStrings: nil, maxResults: 10)
        #expect(matches.map(\.videoPath) == ["/media/b.mp4"])
        #expect(try fixture.index.indexedHashStrings() == ["hash-b"])
    }

    @Test func removeKeepsOtherFilesSearchable() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["北京 rocket one", "plain"])
        try fixture.add("b", ["北京 rocket two"])
        try fixture.index.remove(hashString: "a")
        try fixture.index.remove(hashString: "missing")
        #expect(try fixture.texts("rocket") == ["北京 rocket two"])
        #expect(try fixture.texts("北京") == ["北京 rocket two"])
        #expect(try fixture.texts("plain").isEmpty)
    }

    @Test func reindexReplacesSegments() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["old words here"])
        try fixture.add("a", ["new words", "second segment"])
        #expect(try fixture.texts("old").isEmpty)
        let match = try #require(try fixture.index.search(query: "second", hashStrings: nil, maxResults: 5).first)
        #expect(match.segmentIndex == 1)
        #expect(match.start == 5)
        #expect(match.end == 9)
    }

    @Test func matchJSONHasContractFields() throws {
        let fixture = try IndexFixture()
        try fixture.add("a", ["zero", "one", "two", "rocket at last"])
        let match = try #require(try fixture.index.search(query: "rocket", hashStrings: nil, maxResults: 5).first)
        let json = match.json()
        #expect(json["video_path"]?.stringValue == "/media/a.mp4")
        #expect(json["hash_str"]?.stringValue == "a")
        #expect(json["segment_index"]?.intValue == 3)
        #expect(json["start_timestamp"]?.stringValue == "00:00:15.000")
        #expect(json["end_timestamp"]?.stringValue == "00:00:19.000")
        #expect(json["highlights"] == [[0, 6]])
    }

    @Test func rejectsTranscriptWithoutSegments() throws {
        let fixture = try IndexFixture()
        #expect(throws: TranscriptSearchError.invalidTranscript(hashString: "a", field: "segments")) {
            try fixture.index.index(hashString: "a", sourcePath: "/m.mp4", transcript: ["language": "en"])
        }
    }
}
