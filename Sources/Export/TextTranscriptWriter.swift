import Foundation

/// Renders transcript cues as plain text, CSV, SubRip (SRT) or WebVTT, all UTF-8.
public enum TextTranscriptWriter {
    /// Plain text: one cue per line, prefixed with `[start - end] ` when `includeTimestamps` is
    /// true. Lines end with LF.
    public static func text(_ cues: [TranscriptCue], includeTimestamps: Bool) -> String {
        var output = ""
        for cue in cues {
            if includeTimestamps {
                output += "[\(Self.timestamp(cue.startMilliseconds, separator: ".")) - "
                output += "\(Self.timestamp(cue.endMilliseconds, separator: "."))] "
            }
            output += cue.text + "\n"
        }
        return output
    }

    /// CSV as RFC 4180 describes it: a header row, CRLF line ends, and every field that contains a
    /// comma, quote, CR or LF quoted with its quotes doubled. Columns are `start,end,text`
    /// (`HH:MM:SS.mmm`) or only `text` without timestamps.
    ///
    /// The text starts with a UTF-8 byte order mark because Excel reads a CSV file without one
    /// in the system's legacy code page and garbles Japanese or Arabic text; LibreOffice,
    /// Python's `csv` module (with `utf-8-sig`) and pandas accept the mark.
    ///
    /// NOTE: text starting with `=`, `+`, `-` or `@` is written unchanged, so a spreadsheet may
    /// read such a line as a formula.
    public static func csv(_ cues: [TranscriptCue], includeTimestamps: Bool) -> String {
        var rows: [[String]] = [includeTimestamps ? ["start", "end", "text"] : ["text"]]
        for cue in cues {
            if includeTimestamps {
                rows.append([
                    Self.timestamp(cue.startMilliseconds, separator: "."),
                    Self.timestamp(cue.endMilliseconds, separator: "."),
                    cue.text,
                ])
            } else {
                rows.append([cue.text])
            }
        }
        let body = rows.map { row in row.map(Self.csvField).joined(separator: ",") + "\r\n" }.joined()
        return "\u{FEFF}" + body
    }

    /// Quotes a CSV field when it contains a comma, a double quote, CR or LF, doubling its quotes.
    public static func csvField(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { scalar in
            scalar == "," || scalar == "\"" || scalar == "\r" || scalar == "\n"
        }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// SubRip: numbered cues from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after each.
    public static func srt(_ cues: [TranscriptCue]) -> String {
        var output = ""
        for (index, cue) in cues.enumerated() {
            output += "\(index + 1)\n"
            output += "\(Self.timestamp(cue.startMilliseconds, separator: ",")) --> "
            output += "\(Self.timestamp(cue.endMilliseconds, separator: ","))\n"
            output += cue.text + "\n\n"
        }
        return output
    }

    /// WebVTT: the `WEBVTT` header, then cues `HH:MM:SS.mmm --> HH:MM:SS.mmm` with their text
    /// escaped (`&`, `<` and `>` as character references, so "-->" cannot end a cue early).
    public static func vtt(_ cues: [TranscriptCue]) -> String {
        var output = "WEBVTT\n\n"
        for cue in cues {
            output += "\(Self.timestamp(cue.startMilliseconds, separator: ".")) --> "
            output += "\(Self.timestamp(cue.endMilliseconds, separator: "."))\n"
            output += Self.vttEscaped(cue.text) + "\n\n"
        }
        return output
    }

    /// Formats milliseconds as `HH:MM:SS` plus `separator` plus `mmm`; hours grow past 99.
    public static func timestamp(_ milliseconds: Int, separator: String) -> String {
        let value = max(0, milliseconds)
        let hours = value / 3_600_000
        let minutes = value / 60_000 % 60
        let seconds = value / 1000 % 60
        let fraction = value % 1000
        return Self.padded(hours, 2) + ":" + Self.padded(minutes, 2) + ":" + Self.padded(seconds, 2)
            + separator + Self.padded(fraction, 3)
    }

    static func vttEscaped(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            default: output.append(character)
            }
        }
        return output
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
