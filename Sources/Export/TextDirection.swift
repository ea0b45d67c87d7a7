/// The base direction of a paragraph, decided by its first strong character as the Unicode
/// bidirectional algorithm's rules P2 and P3 do (approximated by script ranges).
enum TextDirection {
    /// Returns true when the first letter of `text` belongs to a right-to-left script (Hebrew,
    /// Arabic, Syriac, Thaana, N'Ko and their presentation forms).
    static func isRightToLeft(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let rightToLeft =
                (0x0590...0x08FF).contains(value) || (0xFB1D...0xFDFF).contains(value)
                || (0xFE70...0xFEFF).contains(value) || (0x1_0800...0x1_0FFF).contains(value)
                || (0x1_E800...0x1_EFFF).contains(value)
            if rightToLeft { return true }
            if scalar.properties.isAlphabetic { return false }
        }
        return false
    }
}
