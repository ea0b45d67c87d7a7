/// A user's search text, parsed into terms the index can match without FTS5 query syntax.
///
/// Double quotes group a phrase; every other character is literal text, so no input can raise an
/// FTS5 syntax error. Words in spaced scripts match whole words. Runs of Han, kana, Hangul or Thai
/// match as substrings: through the phrase of their character pairs (see
/// `TextFolding.indexedForm(ofFolded:)`), or by a scan for a single character.
struct TranscriptQuery: Equatable {
    /// Phrases of folded words; a bare word is a one-word phrase.
    var phrases: [[String]] = []
    /// Folded substrings in scripts written without spaces.
    var unspacedTerms: [String] = []

    var isEmpty: Bool { self.phrases.isEmpty && self.unspacedTerms.isEmpty }

    init(_ text: String) {
        var chunk = ""
        var inQuotes = false
        for character in text {
            if character == "\"" {
                self.add(chunk)
                chunk = ""
                inQuotes.toggle()
            } else if !inQuotes && character.isWhitespace {
                self.add(chunk)
                chunk = ""
            } else {
                chunk.append(character)
            }
        }
        self.add(chunk)
    }

    /// Splits one bare word or quoted phrase into word tokens and unspaced-script runs.
    private mutating func add(_ chunk: String) {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var unspaced = String.UnicodeScalarView()
        func flushWord() {
            if !word.isEmpty { words.append(String(word)) }
            word = String.UnicodeScalarView()
        }
        func flushUnspaced() {
            if !unspaced.isEmpty { self.unspacedTerms.append(String(unspaced)) }
            unspaced = String.UnicodeScalarView()
        }
        for scalar in TextFolding.fold(chunk).unicodeScalars {
            if TextFolding.isUnspacedScript(scalar) {
                flushWord()
                unspaced.append(scalar)
            } else if TextFolding.isWordScalar(scalar) {
                flushUnspaced()
                word.append(scalar)
            } else {
                flushWord()
                flushUnspaced()
            }
        }
        flushWord()
        flushUnspaced()
        if !words.isEmpty { self.phrases.append(words) }
    }

    /// The FTS5 MATCH expression for the word index: every phrase quoted, all required; nil when
    /// the query has only single unspaced characters.
    var matchExpression: String? {
        var phrases = self.phrases.map { $0.joined(separator: " ") }
        for term in self.unspacedTerms where term.unicodeScalars.count > 1 {
            phrases.append(TextFolding.characterPairs(Array(term.unicodeScalars)).joined(separator: " "))
        }
        guard !phrases.isEmpty else { return nil }
        return phrases.map(Self.quoted).joined(separator: " AND ")
    }

    /// LIKE patterns for single unspaced characters, which the pair index cannot find inside runs.
    var singleCharacterPatterns: [String] {
        self.unspacedTerms.filter { $0.unicodeScalars.count == 1 }.map { term in
            let escaped = term.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            return "%\(escaped)%"
        }
    }

    /// Wraps text in an FTS5 string literal; inside one, only a double quote needs escaping (doubled).
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Returns the spans of `text` that the query matches, as [from, to) offsets in Unicode scalars.
    func highlights(in text: String) -> [[Int]] {
        let (folded, offsets) = TextFolding.foldWithOffsets(text)
        var ranges: [Range<Int>] = []

        // word tokens of the folded text, as ranges of folded scalars
        var tokens: [(text: String, range: Range<Int>)] = []
        var index = 0
        while index < folded.count {
            guard TextFolding.isWordScalar(folded[index]) && !TextFolding.isUnspacedScript(folded[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < folded.count && TextFolding.isWordScalar(folded[index]) && !TextFolding.isUnspacedScript(folded[index]) {
                index += 1
            }
            var token = String.UnicodeScalarView()
            token.append(contentsOf: folded[start..<index])
            tokens.append((String(token), start..<index))
        }

        for phrase in self.phrases where phrase.count <= tokens.count {
            for first in 0...(tokens.count - phrase.count) where tokens[first].text == phrase[0] {
                if (1..<phrase.count).allSatisfy({ tokens[first + $0].text == phrase[$0] }) {
                    ranges.append(tokens[first].range.lowerBound..<tokens[first + phrase.count - 1].range.upperBound)
                }
            }
        }
        for term in self.unspacedTerms {
            let needle = Array(term.unicodeScalars)
            guard needle.count <= folded.count else { continue }
            for start in 0...(folded.count - needle.count) where Array(folded[start..<(start + needle.count)]) == needle {
                ranges.append(start..<(start + needle.count))
            }
        }

        // map to offsets in the original text and merge overlaps
        let original = Array(text.unicodeScalars)
        let mapped = ranges
            .map { range -> Range<Int> in
                // A match ends after any combining accents that follow its last letter.
                var end = offsets[range.upperBound - 1] + 1
                while end < original.count && (0x0300...0x036F).contains(original[end].value) {
                    end += 1
                }
                return offsets[range.lowerBound]..<end
            }
            .sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for range in mapped {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged.map { [$0.lowerBound, $0.upperBound] }
    }
}
