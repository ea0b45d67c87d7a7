import Foundation
import JumperCore
import Testing

@testable import Speech

struct SpeechWindowTests {
    @Test func planJoinsCloseSpansAndCutsLongGaps() {
        let rate = 16_000
        let spans = [
            SpeechSpan(start: 0, end: 2 * rate),
            SpeechSpan(start: 2 * rate + rate / 2, end: 4 * rate),  // 0.5 s gap: joined
            SpeechSpan(start: 60 * rate, end: 62 * rate),  // long gap: cut out, same window
        ]
        let windows = SpeechWindow.plan(spans: spans, maxLength: 29 * rate, joinGap: rate)
        #expect(windows.count == 1)
        #expect(windows[0].pieces.count == 2)
        #expect(windows[0].pieces[1] == SpeechWindow.Piece(fileStart: 60 * rate, windowStart: 4 * rate, length: 2 * rate))
        #expect(windows[0].fileTime(atWindowTime: 5, isEnd: false, sampleRate: rate) == 61)
        #expect(windows[0].fileTime(atWindowTime: 4, isEnd: false, sampleRate: rate) == 60)
        #expect(windows[0].fileTime(atWindowTime: 4, isEnd: true, sampleRate: rate) == 4)
        #expect(windows[0].fileTime(atWindowTime: 7, isEnd: true, sampleRate: rate) == 62)
    }

    @Test func planStartsNewWindowWhenFull() {
        let rate = 16_000
        let spans = (0..<10).map { SpeechSpan(start: $0 * 100 * rate, end: ($0 * 100 + 10) * rate) }
        let windows = SpeechWindow.plan(spans: spans, maxLength: 29 * rate, joinGap: rate)
        #expect(windows.count == 5)
        #expect(windows.allSatisfy { $0.length == 20 * rate })
        #expect(windows[4].fileTime(atWindowTime: 12.5, isEnd: false, sampleRate: rate) == 902.5)
    }

    @Test func windowSamplesAreCopiedInOrder() {
        let audio = (0..<100).map(Float.init)
        let window = SpeechWindow.plan(
            spans: [SpeechSpan(start: 10, end: 15), SpeechSpan(start: 50, end: 53)],
            maxLength: 1000,
            joinGap: 2
        )[0]
        #expect(window.samples(from: audio) == [10, 11, 12, 13, 14, 50, 51, 52])
    }
}

struct RepetitionFilterTests {
    @Test func detectsRepeatedPhrase() {
        let words = Array(repeating: ["thank", "you"], count: 6).flatMap { $0 }
        #expect(RepetitionFilter.isLoop(words: words))
    }

    @Test func detectsRepeatedWord() {
        #expect(RepetitionFilter.isLoop(words: ["so"] + Array(repeating: "no", count: 10)))
    }

    @Test func keepsOrdinarySentence() {
        let words = "he might even have been made amiable himself and rather more than that".split(separator: " ").map(String.init)
        #expect(!RepetitionFilter.isLoop(words: words))
        #expect(!RepetitionFilter.isLoop(words: ["no", "no", "no"]))
    }

    @Test func detectsDuplicateSegment() {
        #expect(RepetitionFilter.isDuplicate("I don't know what to say.", of: "I don't know what to say"))
        #expect(!RepetitionFilter.isDuplicate("Yes.", of: "Yes."))
        #expect(!RepetitionFilter.isDuplicate("I know what to say.", of: nil))
    }
}

struct TranscriptJSONTests {
    @Test func roundTripsThroughJSON() throws {
        let transcript = Transcript(
            language: "fr",
            modelKey: "whisper-base",
            duration: 12.5,
            segments: [
                TranscriptSegment(
                    id: 0,
                    start: 1.25,
                    end: 2.5,
                    text: "Salut tout le monde.",
                    words: [
                        TranscriptWord(word: "Salut", start: 1.25, end: 1.6, probability: 0.9),
                        TranscriptWord(word: "monde.", start: 2.0, end: 2.5, probability: 0.75),
                    ]
                )
            ]
        )
        let bytes = transcript.json().serialized()
        let parsed = try Transcript(json: try JSON.parse(bytes))
        #expect(parsed == transcript)
        #expect(transcript.json()["model_key"]?.stringValue == "whisper-base")
        #expect(transcript.json()["segments"]?.arrayValue?.first?["words"]?.arrayValue?.count == 2)
    }

    @Test func rejectsMissingField() throws {
        let json: JSON = ["language": "en", "model_key": "whisper-base", "duration": 1, "segments": [["id": 0, "start": 0]]]
        #expect(throws: SpeechError.invalidTranscript(field: "segments[0].end")) {
            try Transcript(json: json)
        }
    }
}

struct AudioDecoderTests {
    @Test func decodesStereoAACToSixteenKilohertzMono() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("tone.m4a").path
        try SpeechFixtures.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100:duration=3", "-ac", "2", "-c:a", "aac", output])
        let audio = try AudioDecoder(logger: SpeechFixtures.logger).decode(path: output)
        #expect(abs(audio.duration - 3) < 0.05)
        let peak = audio.samples.reduce(Float(0)) { max($0, abs($1)) }
        #expect(peak > 0.05)
    }

    @Test func picksFirstStreamThatIsNotSilent() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("two-streams.mkv").path
        try SpeechFixtures.ffmpeg([
            "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=4",
            "-i", SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0880"),
            "-map", "0:a", "-map", "1:a", "-c:a", "flac", "-shortest", output,
        ])
        let audio = try AudioDecoder(logger: SpeechFixtures.logger).decode(path: output)
        #expect(audio.audioStreamCount == 2)
        #expect(audio.streamIndex == 1)
    }

    @Test func rejectsMissingFile() {
        #expect(throws: SpeechError.self) {
            try AudioDecoder(logger: SpeechFixtures.logger).decode(path: "/nonexistent/clip.wav")
        }
    }

    @Test func rejectsFileWithoutAudio() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("video-only.mp4").path
        try SpeechFixtures.ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-c:v", "mpeg4", output])
        #expect(throws: SpeechError.noAudioStream(path: output)) {
            try AudioDecoder(logger: SpeechFixtures.logger).decode(path: output)
        }
    }
}
