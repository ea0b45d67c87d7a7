import JumperCore

/// A word of a transcript with its time span in seconds from the start of the file.
public struct TranscriptWord: Sendable, Equatable {
    public var word: String
    public var start: Double
    public var end: Double
    /// Mean probability of the word's tokens, from 0 to 1.
    public var probability: Double

    public init(word: String, start: Double, end: Double, probability: Double) {
        self.word = word
        self.start = start
        self.end = end
        self.probability = probability
    }
}

/// A segment of a transcript: a sentence or phrase with its words, times in seconds from the start of the file.
public struct TranscriptSegment: Sendable, Equatable {
    public var id: Int
    public var start: Double
    public var end: Double
    public var text: String
    public var words: [TranscriptWord]

    public init(id: Int, start: Double, end: Double, text: String, words: [TranscriptWord]) {
        self.id = id
        self.start = start
        self.end = end
        self.text = text
        self.words = words
    }
}

/// The transcription of one media file.
public struct Transcript: Sendable, Equatable {
    /// ISO 639-1 code of the spoken language, or `und` when the file has no speech and none was requested.
    public var language: String
    public var modelKey: String
    /// Duration of the audio in seconds.
    public var duration: Double
    public var segments: [TranscriptSegment]

    public init(language: String, modelKey: String, duration: Double, segments: [TranscriptSegment]) {
        self.language = language
        self.modelKey = modelKey
        self.duration = duration
        self.segments = segments
    }

    /// Returns the transcript in the contract's shape: `language`, `model_key`, `duration`,
    /// `segments` with `id`, `start`, `end`, `text` and `words` (`word`, `start`, `end`, `probability`).
    public func json() -> JSON {
        let segments: [JSON] = self.segments.map { segment in
            let words: [JSON] = segment.words.map { word in
                [
                    "word": .string(word.word),
                    "start": .number(word.start),
                    "end": .number(word.end),
                    "probability": .number(word.probability),
                ]
            }
            return [
                "id": .number(Double(segment.id)),
                "start": .number(segment.start),
                "end": .number(segment.end),
                "text": .string(segment.text),
                "words": .array(words),
            ]
        }
        return [
            "language": .string(self.language),
            "model_key": .string(self.modelKey),
            "duration": .number(self.duration),
            "segments": .array(segments),
        ]
    }

    /// Reads a transcript from the shape `json()` writes.
    ///
    /// - Throws: `SpeechError.invalidTranscript` naming the first missing or mistyped field.
    public init(json: JSON) throws {
        guard let language = json["language"]?.stringValue else { throw SpeechError.invalidTranscript(field: "language") }
        guard let modelKey = json["model_key"]?.stringValue else { throw SpeechError.invalidTranscript(field: "model_key") }
        guard let duration = json["duration"]?.doubleValue else { throw SpeechError.invalidTranscript(field: "duration") }
        guard let segmentValues = json["segments"]?.arrayValue else { throw SpeechError.invalidTranscript(field: "segments") }

        var segments: [TranscriptSegment] = []
        for (index, value) in segmentValues.enumerated() {
            let path = "segments[\(index)]"
            guard let id = value["id"]?.intValue else { throw SpeechError.invalidTranscript(field: "\(path).id") }
            guard let start = value["start"]?.doubleValue else { throw SpeechError.invalidTranscript(field: "\(path).start") }
            guard let end = value["end"]?.doubleValue else { throw SpeechError.invalidTranscript(field: "\(path).end") }
            guard let text = value["text"]?.stringValue else { throw SpeechError.invalidTranscript(field: "\(path).text") }
            var words: [TranscriptWord] = []
            for (wordIndex, wordValue) in (value["words"]?.arrayValue ?? []).enumerated() {
                let wordPath = "\(path).words[\(wordIndex)]"
                guard let word = wordValue["word"]?.stringValue,
                    let wordStart = wordValue["start"]?.doubleValue,
                    let wordEnd = wordValue["end"]?.doubleValue
                else { throw SpeechError.invalidTranscript(field: wordPath) }
                let probability = wordValue["probability"]?.doubleValue ?? 0
                words.append(TranscriptWord(word: word, start: wordStart, end: wordEnd, probability: probability))
            }
            segments.append(TranscriptSegment(id: id, start: start, end: end, text: text, words: words))
        }
        self.init(language: language, modelKey: modelKey, duration: duration, segments: segments)
    }
}
