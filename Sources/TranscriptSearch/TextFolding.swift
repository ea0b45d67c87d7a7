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
    /// offset of the original scalar it came from; highlights found in the folded text map back
    /// through it.
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
