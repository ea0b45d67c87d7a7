/// Detects the repeated-text loops Whisper decoders fall into ("thank you thank you thank you ...").
enum RepetitionFilter {
    /// Returns whether `words` contain a run of one phrase of 1 to 8 words repeated back to back
    /// at least `minimumRepeats` times and covering at least `minimumWords` words.
    static func isLoop(words: [String], minimumRepeats: Int = 4, minimumWords: Int = 8) -> Bool {
        let normalized = words.map { $0.lowercased().filter { $0.isLetter || $0.isNumber } }.filter { !$0.isEmpty }
        guard normalized.count >= minimumWords else { return false }
        for phraseLength in 1...8 where phraseLength * minimumRepeats <= normalized.count {
            var start = 0
            while start + phraseLength * 2 <= normalized.count {
                let phrase = normalized[start..<(start + phraseLength)]
                var repeats = 1
                var next = start + phraseLength
                while next + phraseLength <= normalized.count && normalized[next..<(next + phraseLength)] == phrase {
                    repeats += 1
                    next += phraseLength
                }
                if repeats >= minimumRepeats && repeats * phraseLength >= minimumWords {
                    return true
                }
                start += 1
            }
        }
        return false
    }

    /// Returns whether a segment repeats the previous one word for word (a loop across segments).
    static func isDuplicate(_ text: String, of previous: String?) -> Bool {
        guard let previous else { return false }
        let current = Self.words(text)
        return current.count >= 3 && current == Self.words(previous)
    }

    private static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }
}
