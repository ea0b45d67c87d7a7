import Foundation

/// File URLs in the form FCP7 XML `pathurl` elements use and Premiere Pro reads:
/// `file://localhost/` followed by the percent-encoded path.
public enum FileURL {
    /// Returns the `pathurl` for a POSIX path (`/Volumes/A B/x.mov`), a Windows path with a
    /// drive letter (`C:\Media\x.mov` becomes `file://localhost/C:/Media/x.mov`) or a UNC path
    /// (`\\server\share\x.mov` becomes `file://server/share/x.mov`).
    ///
    /// Every byte of the UTF-8 path except the RFC 3986 unreserved characters, `/` and a drive
    /// letter's `:` is percent-encoded, so spaces become `%20` and `é` becomes `%C3%A9`.
    public static func pathURL(forPath path: String) -> String {
        if path.hasPrefix("\\\\") {
            let rest = path.dropFirst(2).replacingOccurrences(of: "\\", with: "/")
            let host = rest.prefix { $0 != "/" }
            return "file://" + Self.percentEncoded(String(host))
                + Self.percentEncoded(String(rest.dropFirst(host.count)))
        }
        let scalars = Array(path.unicodeScalars)
        let hasDriveLetter =
            scalars.count >= 2 && scalars[1] == ":" && scalars[0].isASCII
            && scalars[0].properties.isAlphabetic
        if hasDriveLetter {
            let drive = String(scalars[0]).uppercased()
            let rest = String(path.dropFirst(2)).replacingOccurrences(of: "\\", with: "/")
            let absoluteRest = rest.hasPrefix("/") ? rest : "/" + rest
            return "file://localhost/" + drive + ":" + Self.percentEncoded(absoluteRest)
        }
        let absolute = path.hasPrefix("/") ? path : "/" + path
        return "file://localhost" + Self.percentEncoded(absolute)
    }

    /// Percent-encodes every UTF-8 byte of `text` except `A-Z a-z 0-9 - . _ ~` and `/`.
    public static func percentEncoded(_ text: String) -> String {
        let hexDigits = Array("0123456789ABCDEF")
        var output = ""
        for byte in text.utf8 {
            let isUnreserved =
                (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || byte == 0x2F
            if isUnreserved {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output.append("%")
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return output
    }
}
