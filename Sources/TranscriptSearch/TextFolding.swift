import Foundation

/// The normalisation applied to indexed text and queries alike: NFKC, case folding, accents removed.
///
/// NFKC maps full-width and compatibility forms (`ｔｅｓｔ`, `ﬁ`) to their plain forms, so matching
/// is width-insensitive as well as case- and accent-insensitive.
enum TextFolding {
    static func fold(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .precomposedStringWithCompatibilityMapping
    }

    /// Folds `text` one Unicode scalar at a time and records, for every scalar of the result, the
    /// offset of the original scalar it came from. Highlights found in the folded text map back
    /// to the original text through these offsets.
    static func foldWithOffsets(_ text: String) -> (folded: [Unicode.Scalar], originalOffsets: [Int]) {
        var folded: [Unicode.Scalar] = []
        var offsets: [Int] = []
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            // A combining accent on its own has no base letter to fold into, so it is dropped here,
            // as folding the whole string (which composes it first) drops it.
            if (0x0300...0x036F).contains(scalar.value) { continue }
            for foldedScalar in Self.fold(String(scalar)).unicodeScalars {
                folded.append(foldedScalar)
                offsets.append(offset)
            }
        }
        return (folded, offsets)
    }

    /// Returns the text the word index tokenizes: folded text in which every run of an unspaced
    /// script is replaced by its overlapping character pairs ("北京大学" becomes "北京 京大 大学").
    ///
    /// Without the pairs, `unicode61` would keep each run of Chinese, Japanese, Korean or Thai as
    /// one token. With them, a search for two or more such characters is the phrase of their pairs.
    /// A single character stays as it is.
    static func indexedForm(ofFolded folded: String) -> String {
        var result = String.UnicodeScalarView()
        var run: [Unicode.Scalar] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            result.append(" ")
            result.append(contentsOf: Self.characterPairs(run).joined(separator: " ").unicodeScalars)
            result.append(" ")
            run = []
        }
        for scalar in folded.unicodeScalars {
            if Self.isUnspacedScript(scalar) {
                run.append(scalar)
            } else {
                flushRun()
                result.append(scalar)
            }
        }
        flushRun()
        return String(result)
    }

    /// Returns the overlapping pairs of a run of characters, or the single character of a run of one.
    static func characterPairs(_ run: [Unicode.Scalar]) -> [String] {
        guard run.count > 1 else { return run.map { String($0) } }
        return (0..<(run.count - 1)).map { index in
            var pair = String.UnicodeScalarView()
            pair.append(run[index])
            pair.append(run[index + 1])
            return String(pair)
        }
    }

    /// Whether a scalar belongs to a script written without spaces between words, which the
    /// word tokenizer cannot split (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar).
    static func isUnspacedScript(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF: return true  // Thai, Lao, Myanmar, Khmer
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: return true  // Hangul
        case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return true  // kana
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return true  // Han
        default: return false
        }
    }

    /// Whether a scalar is part of a word for matching purposes (letters, digits, marks).
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar.properties.generalCategory == .nonspacingMark
    }
}
