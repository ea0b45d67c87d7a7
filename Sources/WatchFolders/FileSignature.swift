import Glibc

/// A file's size and modification time. The file settles once both stay unchanged, and a
/// known file whose signature differs from its record has changed.
public struct FileSignature: Sendable, Hashable {
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var modifiedNanoseconds: Int64

    public init(size: Int64, modifiedNanoseconds: Int64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    /// Modification time in seconds since 1970.
    public var modifiedSeconds: Double {
        Double(self.modifiedNanoseconds) / 1e9
    }

    /// Reads the signature of a regular file, following symbolic links; nil when `path` is
    /// missing, unreadable or not a regular file.
    public static func read(path: String) -> FileSignature? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileSignature(status)
    }

    init(_ status: stat) {
        self.size = Int64(status.st_size)
        self.modifiedNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
    }
}

/// The stored result of the service's work on one file.
public enum FileOutcome: String, Sendable {
    /// Analysed by a task of the service.
    case analyzed
    /// A task found every requested analysis already in the cache.
    case skipped
    /// Content the service had already analysed under another name or path (same `hash_str`).
    case known
    /// The analysis failed; the file is tried again only after it changes.
    case failed
}
