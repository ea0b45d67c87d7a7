import Foundation

/// The uncased BERT tokenizer: basic tokenization followed by greedy longest-match WordPiece.
///
/// Basic tokenization removes control characters, maps whitespace to spaces, isolates CJK
/// ideographs, lowercases, strips accents (NFD, then drops combining marks) and splits on
/// whitespace and punctuation. WordPiece then splits each word into the longest vocabulary
/// entries from the left, marking continuations with `##`, and maps a word it cannot split
/// to `[UNK]`. Output is wrapped in `[CLS]` ... `[SEP]` and truncated to `maxTokens`.
struct WordPieceTokenizer: Sendable {
    static let maxCharactersPerWord = 100

    let maxTokens: Int
    private let vocabulary: [String: Int32]
    let classifierTokenID: Int32
    let separatorTokenID: Int32
    let unknownTokenID: Int32

    /// Reads `vocab.txt` (one token per line, the line number is the id).
    ///
    /// - Throws: `InferenceError.missingModelFile` or `.invalidModelFile` when the file is
    ///   unreadable or lacks `[CLS]`, `[SEP]` or `[UNK]`.
    init(vocabularyPath: String, maxTokens: Int = 128) throws {
        guard FileManager.default.fileExists(atPath: vocabularyPath) else {
            throw InferenceError.missingModelFile(path: vocabularyPath)
        }
        let text: String
        do {
            text = try String(contentsOfFile: vocabularyPath, encoding: .utf8)
        } catch {
            throw InferenceError.invalidModelFile(path: vocabularyPath, reason: "read failed: \(error)")
        }
        var vocabulary: [String: Int32] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" {
            lines.removeLast()
        }
        for (index, line) in lines.enumerated() {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if vocabulary[token] == nil {
                vocabulary[token] = Int32(index)
            }
        }
        guard let classifier = vocabulary["[CLS]"], let separator = vocabulary["[SEP]"], let unknown = vocabulary["[UNK]"] else {
            throw InferenceError.invalidModelFile(path: vocabularyPath, reason: "[CLS], [SEP] or [UNK] is missing")
        }
        self.vocabulary = vocabulary
        self.maxTokens = maxTokens
        self.classifierTokenID = classifier
        self.separatorTokenID = separator
        self.unknownTokenID = unknown
    }

    /// Returns the token ids of `text`, starting with `[CLS]` and ending with `[SEP]`.
    func tokenIDs(for text: String) -> [Int32] {
        var ids: [Int32] = [self.classifierTokenID]
        let limit = self.maxTokens - 1
        for word in Self.basicTokens(text) {
            for id in self.wordPieces(word) {
                guard ids.count < limit else { break }
                ids.append(id)
            }
            if ids.count >= limit {
                break
            }
        }
        ids.append(self.separatorTokenID)
        return ids
    }

    // MARK: - Basic tokenization

    /// Splits text into lower-cased, accent-free words and single punctuation characters.
    static func basicTokens(_ text: String) -> [[Unicode.Scalar]] {
        // clean control characters, normalise whitespace and isolate CJK ideographs
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) {
                continue
            }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isChineseCharacter(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }

        // lowercase, then strip accents by dropping combining marks after NFD
        let lowered = String(cleaned).lowercased().decomposedStringWithCanonicalMapping
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in lowered.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark {
                continue
            }
            if Self.isWhitespace(scalar) {
                if !current.isEmpty {
                    words.append(current)
                    current = []
                }
            } else if Self.isPunctuation(scalar) {
                if !current.isEmpty {
                    words.append(current)
                    current = []
                }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty {
            words.append(current)
        }
        return words
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            let category = scalar.properties.generalCategory
            return category == .control || category == .format
        }
    }

    /// Reports ASCII symbols (BERT treats `$`, `+`, `^` and the like as punctuation) and every
    /// Unicode punctuation category.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Reports CJK Unified Ideographs blocks as BERT defines them (not Hiragana, Katakana or Hangul).
    private static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    // MARK: - WordPiece

    /// Returns the greedy longest-match pieces of one word, or `[UNK]` when no split exists.
    private func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        guard word.count <= Self.maxCharactersPerWord else {
            return [self.unknownTokenID]
        }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int32?
            while start < end {
                var candidate = String(String.UnicodeScalarView(word[start..<end]))
                if start > 0 {
                    candidate = "##" + candidate
                }
                if let id = self.vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else {
                return [self.unknownTokenID]
            }
            pieces.append(match)
            start = end
        }
        return pieces
    }
}
