import Foundation

/// Makes file names that every common file system accepts (ext4, APFS, NTFS, exFAT, FAT32,
/// SMB shares) and picks one that is not taken yet.
public enum FileNameSanitizer {
    /// Names Windows reserves for devices, with or without an extension, in any letter case.
    static let reservedWindowsNames: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        for digit in 1...9 {
            names.insert("COM\(digit)")
            names.insert("LPT\(digit)")
        }
        return names
    }()

    /// The maximum length of a name in UTF-8 bytes: ext4 allows 255 bytes, and leaving room for
    /// a ` (99)` suffix keeps a uniquified name under that too.
    static let maxNameBytes = 240

    /// Returns `name` made safe as one path component.
    ///
    /// `/ \ : * ? " < > |` and control characters become `_`, the name is put in Unicode NFC
    /// (macOS stores NFD), leading and trailing spaces and trailing dots are removed, a
    /// reserved Windows device name (`CON`, `com1.txt`) gets a `_` suffix on its stem, and a
    /// name longer than 240 UTF-8 bytes is cut at a character boundary, keeping `suffix`.
    /// An empty result becomes `fallback`.
    ///
    /// - Parameters:
    ///   - name: the requested file name without its extension.
    ///   - suffix: the extension with its dot, such as `.mp4`, appended after cleaning.
    ///   - fallback: the stem used when nothing usable is left.
    public static func safeName(_ name: String, suffix: String = "", fallback: String = "export") -> String {
        var stem = ""
        for scalar in name.precomposedStringWithCanonicalMapping.unicodeScalars {
            let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            if isControl || "/\\:*?\"<>|".unicodeScalars.contains(scalar) {
                stem.unicodeScalars.append("_")
            } else {
                stem.unicodeScalars.append(scalar)
            }
        }
        stem = Self.trimmedEnds(stem)
        if stem.isEmpty {
            stem = fallback
        }

        // Windows treats "CON.txt" like "CON", so the part before the first dot decides.
        let firstPart = stem.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if Self.reservedWindowsNames.contains(firstPart.trimmingCharacters(in: .whitespaces).uppercased()) {
            let rest = stem.dropFirst(firstPart.count)
            stem = firstPart + "_" + rest
        }

        let budget = Self.maxNameBytes - suffix.utf8.count
        while stem.utf8.count > budget, !stem.isEmpty {
            stem.removeLast()
        }
        stem = Self.trimmedEnds(stem)
        if stem.isEmpty {
            stem = fallback
        }
        return stem + suffix
    }

    /// Creates an empty file named `stem + suffix` in `folder`, or `stem (2) + suffix`,
    /// `stem (3) + suffix` and so on when the name is taken, and returns its path.
    ///
    /// The file is created with `O_EXCL`, so two requests at once never get the same name and
    /// an existing file is never replaced. `stem` and `suffix` must already be safe.
    ///
    /// - Throws: `ExportError.writeFailed` when the folder is not writable or 9,999 names are taken.
    public static func createUniqueFile(folder: String, stem: String, suffix: String) throws(ExportError) -> String {
        for attempt in 1...9_999 {
            let name = attempt == 1 ? stem + suffix : "\(stem) (\(attempt))\(suffix)"
            let path = (folder as NSString).appendingPathComponent(name)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                close(descriptor)
                return path
            }
            if errno != EEXIST {
                throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        }
        throw .writeFailed(path: folder, reason: "9999 files named '\(stem)\(suffix)' with a number already exist")
    }

    /// Removes leading and trailing white space and trailing dots, which Windows strips silently.
    private static func trimmedEnds(_ text: String) -> String {
        var result = Substring(text)
        while let first = result.first, first.isWhitespace {
            result.removeFirst()
        }
        while let last = result.last, last.isWhitespace || last == "." {
            result.removeLast()
        }
        return String(result)
    }
}
