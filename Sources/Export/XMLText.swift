/// Escaping of text for XML 1.0 character data and attribute values.
public enum XMLText {
    /// Returns `text` with `&`, `<`, `>`, `"` and `'` as character references, and without the
    /// control characters XML 1.0 forbids (all below U+0020 except tab, LF and CR, plus U+FFFE
    /// and U+FFFF), which would make the document unreadable.
    public static func escaped(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\t", "\n", "\r": output.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    continue
                }
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
