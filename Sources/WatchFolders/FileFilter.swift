import Glibc
import Media

/// Decides from a file name alone whether a watch folder takes the file: media extensions
/// only, no hidden files, no partial downloads, and none of the folder's exclusions.
public struct FileFilter: Sendable {
    /// The reason a name is not taken, for counting and logs.
    public enum Rejection: String, Sendable {
        case hidden, incomplete, notMedia, excludedExtension, excludedGlob
    }

    /// Excluded extensions, lower-case and without the leading dot.
    public let excludedExtensions: Set<String>
    public let excludedGlobs: [String]

    /// - Parameters:
    ///   - excludedExtensions: extensions such as `.xml` or `XML`, matched case-insensitively
    ///     with or without the dot.
    ///   - excludedGlobs: `fnmatch` patterns such as `*_proxy.*`, matched against the file name
    ///     only, case-sensitively as POSIX `fnmatch` does.
    public init(excludedExtensions: [String], excludedGlobs: [String]) {
        self.excludedExtensions = Set(excludedExtensions.map(Self.normalizedExtension))
        self.excludedGlobs = excludedGlobs
    }

    public init(folder: WatchFolder) {
        self.init(excludedExtensions: folder.excludedExtensions, excludedGlobs: folder.excludedFilenameGlobs)
    }

    /// Returns `.xml` and `XML` alike as `xml`.
    public static func normalizedExtension(_ text: String) -> String {
        var trimmed = Substring(text)
        while trimmed.hasPrefix(".") {
            trimmed = trimmed.dropFirst()
        }
        return trimmed.lowercased()
    }

    /// Returns nil when the file called `name` (no directory part) is taken, else the reason
    /// it is not.
    public func rejection(ofName name: String) -> Rejection? {
        if name.hasPrefix(".") {
            return .hidden
        }
        let lowercased = name.lowercased()
        if MediaFileFinder.incompleteSuffixes.contains(where: { lowercased.hasSuffix($0) }) {
            return .incomplete
        }
        // An extension is what follows the last dot; a name with no dot has none.
        if let dot = lowercased.lastIndex(of: ".") {
            let fileExtension = String(lowercased[lowercased.index(after: dot)...])
            if self.excludedExtensions.contains(fileExtension) {
                return .excludedExtension
            }
        }
        if self.excludedGlobs.contains(where: { fnmatch($0, name, 0) == 0 }) {
            return .excludedGlob
        }
        if !MediaFileFinder.isLikelyMedia(path: name) {
            return .notMedia
        }
        return nil
    }

    /// Returns whether the file at `path` is taken, judging its last path component only.
    public func accepts(path: String) -> Bool {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        return self.rejection(ofName: name) == nil
    }
}
