import Foundation
import JumperCore

/// OpenAI CLIP's byte-level BPE tokenizer, as `CLIPTokenizerFast` of transformers 4.40 runs it.
///
/// Steps: Unicode NFC, every whitespace run to one space, lowercase; split into words with
/// CLIP's pattern (`'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+`); map each word's
/// UTF-8 bytes to GPT-2's printable byte characters, mark its last symbol with `</w>` and apply
/// the merges by rank; wrap in `<|startoftext|>` and `<|endoftext|>`.
/// OpenAI's original also runs `ftfy.fix_text` and HTML unescaping, which this does not.
struct CLIPTokenizer: Sendable {
    static let startToken = "<|startoftext|>"
    static let endToken = "<|endoftext|>"
    private static let endOfWord = "</w>"
    private static let contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map { Array($0.unicodeScalars) }

    private let vocabulary: [String: Int]
    private let mergeRanks: [String: Int]
    private let byteCharacters: [String]
    let startID: Int
    let endID: Int
    var vocabularySize: Int { self.vocabulary.count }

    /// Reads `vocab.json` and `merges.txt`, or `tokenizer.json` when those are absent.
    ///
    /// - Throws: `InferenceError.missingModelFile` or `.invalidModelFile` naming the file.
    init(directory: String) throws {
        let folder = ModelFolder(directory: directory)
        var vocabulary: [String: Int] = [:]
        var merges: [(String, String)] = []
        if FileManager.default.fileExists(atPath: folder.path("vocab.json")) {
            let vocabularyPath = folder.path("vocab.json")
            for (token, id) in try folder.readJSON("vocab.json").objectValue?.pairs ?? [] {
                guard let id = id.intValue else {
                    throw InferenceError.invalidModelFile(path: vocabularyPath, reason: "token '\(token)' has no integer id")
                }
                vocabulary[token] = id
            }
            let mergesPath = folder.path("merges.txt")
            guard let text = FileManager.default.contents(atPath: mergesPath) else {
                throw InferenceError.missingModelFile(path: mergesPath)
            }
            for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#version") {
                let parts = line.split(separator: " ")
                if parts.count == 2 {
                    merges.append((String(parts[0]), String(parts[1])))
                }
            }
        } else {
            let json = try folder.readJSON("tokenizer.json")
            for (token, id) in json["model"]?["vocab"]?.objectValue?.pairs ?? [] {
                vocabulary[token] = id.intValue
            }
            for merge in json["model"]?["merges"]?.arrayValue ?? [] {
                if let pair = merge.stringValue?.split(separator: " "), pair.count == 2 {
                    merges.append((String(pair[0]), String(pair[1])))
                } else if let pair = merge.arrayValue?.compactMap(\.stringValue), pair.count == 2 {
                    merges.append((pair[0], pair[1]))
                }
            }
        }
        guard let startID = vocabulary[Self.startToken], let endID = vocabulary[Self.endToken] else {
            throw InferenceError.invalidModelFile(path: directory, reason: "the vocabulary has no '\(Self.startToken)' or '\(Self.endToken)' token")
        }
        guard !merges.isEmpty else {
            throw InferenceError.invalidModelFile(path: directory, reason: "no BPE merges found in merges.txt or tokenizer.json")
        }
        self.vocabulary = vocabulary
        self.mergeRanks = Dictionary(merges.enumerated().map { ($0.element.0 + " " + $0.element.1, $0.offset) }, uniquingKeysWith: min)
        self.byteCharacters = Self.byteToUnicode()
        self.startID = startID
        self.endID = endID
    }

    /// Returns the token ids of `text` with the start and end tokens, truncated to `maxLength`
    /// with the end token kept last.
    func tokenIDs(for text: String, maxLength: Int = 77) -> [Int] {
        var ids = [self.startID]
        for word in Self.words(in: Self.normalised(text)) {
            ids += self.encode(word: word)
        }
        if ids.count > maxLength - 1 {
            ids.removeLast(ids.count - (maxLength - 1))
        }
        return ids + [self.endID]
    }

    /// Applies NFC, collapses whitespace runs to one space and lowercases.
    static func normalised(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var inWhitespace = false
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inWhitespace {
                    output.append(" ")
                }
                inWhitespace = true
            } else {
                output.append(scalar)
                inWhitespace = false
            }
        }
        return String(output).lowercased()
    }

    /// Splits normalised text into the words of CLIP's pre-tokenisation pattern.
    static func words(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var words: [String] = []
        var index = 0
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }
        func isNumber(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: return true
            default: return false
            }
        }
        func take(while predicate: (Unicode.Scalar) -> Bool) {
            let start = index
            while index < scalars.count, predicate(scalars[index]) {
                index += 1
            }
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[start..<index])
            words.append(String(word))
        }
        scanning: while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index += 1
                continue
            }
            for contraction in Self.contractions where scalars[index...].starts(with: contraction) {
                words.append(String(String.UnicodeScalarView(contraction)))
                index += contraction.count
                continue scanning
            }
            if isLetter(scalar) {
                take(while: isLetter)
            } else if isNumber(scalar) {
                // a number is one digit per word
                words.append(String(scalar))
                index += 1
            } else {
                take { !$0.properties.isWhitespace && !isLetter($0) && !isNumber($0) }
            }
        }
        return words
    }

    /// Returns the BPE token ids of one word.
    private func encode(word: String) -> [Int] {
        var symbols = Array(word.utf8).map { self.byteCharacters[Int($0)] }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += Self.endOfWord

        // merge the lowest-ranked adjacent pair everywhere until no pair has a rank
        while symbols.count > 1 {
            var best: (rank: Int, pair: (String, String))?
            for index in 0..<(symbols.count - 1) {
                if let rank = self.mergeRanks[symbols[index] + " " + symbols[index + 1]], rank < best?.rank ?? Int.max {
                    best = (rank, (symbols[index], symbols[index + 1]))
                }
            }
            guard let (first, second) = best?.pair else { break }
            var merged: [String] = []
            var index = 0
            while index < symbols.count {
                if index + 1 < symbols.count, symbols[index] == first, symbols[index + 1] == second {
                    merged.append(first + second)
                    index += 2
                } else {
                    merged.append(symbols[index])
                    index += 1
                }
            }
            symbols = merged
        }
        // Every single byte character and its </w> form are in the vocabulary, so lookups of a
        // complete vocabulary never fail; a damaged one falls back to the end token.
        return symbols.map { self.vocabulary[$0] ?? self.endID }
    }

    /// Returns GPT-2's map from each byte to a printable character, as `bytes_to_unicode` builds it.
    private static func byteToUnicode() -> [String] {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var characters = [String](repeating: "", count: 256)
        var extra = 0
        for byte in 0..<256 {
            if printable.contains(byte) {
                characters[byte] = String(Unicode.Scalar(UInt8(byte)))
            } else {
                characters[byte] = String(Unicode.Scalar(UInt32(256 + extra))!)
                extra += 1
            }
        }
        return characters
    }
}
