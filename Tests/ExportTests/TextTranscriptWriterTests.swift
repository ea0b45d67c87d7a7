import Export
import Speech
import Testing

@Suite struct TextTranscriptWriterTests {
    private let cues = [
        TranscriptCue(startMilliseconds: 1000, endMilliseconds: 3500, text: "Hello, \"world\""),
        TranscriptCue(startMilliseconds: 3_723_004, endMilliseconds: 3_724_000, text: "a <b> & --> c"),
    ]

    @Test func srtNumbersCuesWithCommaMilliseconds() {
        let expected = """
            1
            00:00:01,000 --> 00:00:03,500
            Hello, "world"

            2
            01:02:03,004 --> 01:02:04,000
            a <b> & --> c


            """
        #expect(TextTranscriptWriter.srt(self.cues) == expected)
    }

    @Test func vttHasHeaderAndEscapesMarkup() {
        let output = TextTranscriptWriter.vtt(self.cues)
        #expect(output.hasPrefix("WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nHello, \"world\"\n\n"))
        #expect(output.hasSuffix("01:02:03.004 --> 01:02:04.000\na &lt;b&gt; &amp; --&gt; c\n\n"))
    }

    @Test func textWithAndWithoutTimestamps() {
        let timed = TextTranscriptWriter.text(self.cues, includeTimestamps: true)
        #expect(timed.hasPrefix("[00:00:01.000 - 00:00:03.500] Hello, \"world\"\n"))
        let plain = TextTranscriptWriter.text(self.cues, includeTimestamps: false)
        #expect(plain == "Hello, \"world\"\na <b> & --> c\n")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\r", "\"cr\r\""),
        ("日本語", "日本語"),
        ("", ""),
    ])
    func csvFieldQuoting(input: String, expected: String) {
        #expect(TextTranscriptWriter.csvField(input) == expected)
    }

    @Test func csvStartsWithByteOrderMarkAndUsesCRLF() {
        let output = TextTranscriptWriter.csv(self.cues, includeTimestamps: true)
        #expect(output.hasPrefix("\u{FEFF}start,end,text\r\n"))
        #expect(output.contains("00:00:01.000,00:00:03.500,\"Hello, \"\"world\"\"\"\r\n"))
        let plain = TextTranscriptWriter.csv(self.cues, includeTimestamps: false)
        #expect(plain == "\u{FEFF}text\r\n\"Hello, \"\"world\"\"\"\r\na <b> & --> c\r\n")
    }

    @Test func timestampGrowsPastNinetyNineHours() {
        #expect(TextTranscriptWriter.timestamp(360_000_000 + 61_001, separator: ",") == "100:01:01,001")
        #expect(TextTranscriptWriter.timestamp(-5, separator: ".") == "00:00:00.000")
    }
}

@Suite struct TranscriptCueTests {
    private func transcript(_ segments: [(Double, Double, String)]) -> Transcript {
        let values = segments.enumerated().map { index, segment in
            TranscriptSegment(id: index, start: segment.0, end: segment.1, text: segment.2, words: [])
        }
        return Transcript(language: "en", modelKey: "whisper-base", duration: 60, segments: values)
    }

    @Test func sortsByStartAndDropsBlankSegments() {
        let cues = TranscriptCue.cues(from: self.transcript([(5, 6, "second"), (1, 2, "first"), (3, 4, "  \n ")]))
        #expect(cues.map(\.text) == ["first", "second"])
        #expect(cues.map(\.startMilliseconds) == [1000, 5000])
    }

    @Test func endAfterStartAndNoOverlap() {
        let cues = TranscriptCue.cues(from: self.transcript([(1, 4, "a"), (3, 3, "b"), (2.9999, 2.5, "c")]))
        #expect(cues.map(\.text) == ["a", "c", "b"])
        #expect(cues[0].endMilliseconds == 3000)
        #expect(cues[1].startMilliseconds == 3000)
        #expect(cues[1].endMilliseconds == 3001)
        #expect(cues[2].startMilliseconds == 3000)
        #expect(cues[2].endMilliseconds == 3001)
        for cue in cues {
            #expect(cue.endMilliseconds > cue.startMilliseconds)
        }
    }

    @Test func joinsLinesAndTrims() {
        let cues = TranscriptCue.cues(from: self.transcript([(0, 1, "  one\n\ntwo \r\n three ")]))
        #expect(cues.first?.text == "one two three")
    }
}

@Suite struct XMLTextTests {
    @Test func escapesMarkupAndDropsControlCharacters() {
        #expect(XMLText.escaped("a<b>&\"c\"'d'\u{1}\u{B}\te\n") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\te\n")
    }
}
