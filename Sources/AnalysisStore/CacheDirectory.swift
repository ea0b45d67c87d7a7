import Foundation
import Glibc

/// A `cache_dir`: the folder where analysis files live, one subfolder per media file.
///
/// The folder may sit on a shared drive that machines mount at different paths, so
/// everything inside is keyed by content hash, never by media path:
///
/// ```
/// <cache_dir>/<hash_str>/manifest.json   source paths, size, duration, analyses present
/// <cache_dir>/<hash_str>/visual.jvis     frame vectors, scenes, thumbnails (VisualFileFormat)
/// <cache_dir>/<hash_str>/<other files>   later kinds (transcript JSON, faces), via writeAnalysisFile
/// ```
///
/// Every write goes to a temporary file in the same folder, is flushed, then renamed over
/// its target, so a crash or a cancel leaves either the old file or the new one. Readers
/// ignore temporary files, and writes remove those older than `staleTemporaryFileAge`.
/// All methods may be called from any thread; they block on file I/O.
public struct CacheDirectory: Sendable {
    /// Name of the visual analysis file in a media folder.
    public static let visualFileName = "visual.jvis"
    /// Age in seconds after which a temporary file counts as left over by a crashed write.
    public static let staleTemporaryFileAge: Double = 3600

    /// Absolute path of the folder, without a trailing slash.
    public let path: String

    /// Opens a cache folder, creating it and its parents when missing. Only analysis, which
    /// writes into the folder, should call this. Readers use `init(existingPath:)`.
    ///
    /// - Throws: `StoreError.invalidCacheDirectory` when `path` is relative or empty, names
    ///   something that is not a folder, or cannot be created.
    public init(path: String) throws(StoreError) {
        let normalized = try Self.checkedPath(path)
        do {
            try createFolder(normalized)
        } catch .fileOperationFailed(let failedPath, let operation, let code) {
            let reason = "the folder cannot be created (\(operation) '\(failedPath)': \(String(cString: strerror(code))))"
            throw StoreError.invalidCacheDirectory(path: path, reason: reason)
        }
        self.path = normalized
    }

    /// Opens a cache folder that must already exist, without creating anything.
    ///
    /// - Throws: `StoreError.cacheDirectoryNotFound` when nothing exists at `path`, and
    ///   `invalidCacheDirectory` when `path` is relative or empty or is not a folder.
    public init(existingPath path: String) throws(StoreError) {
        let normalized = try Self.checkedPath(path)
        var status = stat()
        guard stat(normalized, &status) == 0 else {
            throw StoreError.cacheDirectoryNotFound(path: normalized)
        }
        self.path = normalized
    }

    /// Checks that a cache folder could be created at `path` without creating it: the path is
    /// absolute, and neither it nor its nearest existing parent is something other than a folder.
    ///
    /// A path that passes can still fail to be created, for example below `/proc` or on a
    /// read-only disk; only `init(path:)` finds that out.
    ///
    /// - Throws: `StoreError.invalidCacheDirectory` naming the path and the reason.
    public static func validatePath(_ path: String) throws(StoreError) {
        var existing = try Self.checkedPath(path)
        var status = stat()
        while stat(existing, &status) != 0 && existing != "/" {
            existing = parentFolder(of: existing)
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw StoreError.invalidCacheDirectory(path: path, reason: "'\(existing)' exists but is not a folder")
        }
    }

    /// Returns the normalized form of an absolute path, throwing when it is relative or names
    /// something other than a folder.
    private static func checkedPath(_ path: String) throws(StoreError) -> String {
        guard path.hasPrefix("/") else {
            throw StoreError.invalidCacheDirectory(path: path, reason: "the path is not absolute")
        }
        let normalized = Self.normalizedPath(path)
        var status = stat()
        if stat(normalized, &status) == 0 && (status.st_mode & S_IFMT) != S_IFDIR {
            throw StoreError.invalidCacheDirectory(path: path, reason: "it exists but is not a folder")
        }
        return normalized
    }

    // MARK: - Paths

    /// Returns `path` without trailing slashes, the form `path` is stored in, so callers can
    /// compare a request's `cache_dir` with an open cache folder.
    public static func normalizedPath(_ path: String) -> String {
        var normalized = path
        while normalized.count > 1 && normalized.hasSuffix("/") {
            normalized.removeLast()
        }
        return normalized
    }

    /// Returns the folder of one media's analyses. The hash is not validated here.
    public func mediaFolderPath(hashString: String) -> String {
        "\(self.path)/\(hashString)"
    }

    /// Returns where the visual analysis of `hashString` lives, whether or not it exists.
    public func visualAnalysisPath(hashString: String) -> String {
        "\(self.mediaFolderPath(hashString: hashString))/\(Self.visualFileName)"
    }

    /// Returns where the manifest of `hashString` lives, whether or not it exists.
    public func manifestPath(hashString: String) -> String {
        "\(self.mediaFolderPath(hashString: hashString))/\(MediaManifest.fileName)"
    }

    // MARK: - Listing

    /// Lists the content hashes that have a media folder, sorted. Entries whose name is not
    /// a hash string (such as `collections`) are skipped.
    public func allHashStrings() throws(StoreError) -> [String] {
        try listFolder(self.path)
            .filter { name in
                guard isValidHashString(name) else { return false }
                var status = stat()
                return stat("\(self.path)/\(name)", &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
            }
            .sorted()
    }

    /// Removes temporary files older than `minimumAgeSeconds` from every media folder, as
    /// left by writes that crashed. Returns how many were removed.
    @discardableResult
    public func removeStaleTemporaryFiles(minimumAgeSeconds: Double = staleTemporaryFileAge) throws(StoreError) -> Int {
        var removed = 0
        for hashString in try self.allHashStrings() {
            removed += AnalysisStore.removeStaleTemporaryFiles(
                inFolder: self.mediaFolderPath(hashString: hashString),
                minimumAgeSeconds: minimumAgeSeconds
            )
        }
        return removed
    }

    // MARK: - Manifests

    /// Serialises read-modify-write cycles of manifests within this process.
    // NOTE: two processes or machines sharing the drive that update one manifest at the same
    // moment can still lose one update. The analysis files themselves stay intact.
    private static let manifestLock = NSLock()

    /// Reads the manifest of `hashString`; returns nil when it does not exist.
    ///
    /// - Throws: `StoreError.damagedManifest` naming the file when it is not a valid manifest.
    public func manifest(hashString: String) throws(StoreError) -> MediaManifest? {
        try validateHashString(hashString)
        let path = self.manifestPath(hashString: hashString)
        guard let file = try ReadableFile(path: path) else { return nil }
        return try MediaManifest.parse(try file.readAll(), path: path)
    }

    /// Records that the media of `hashString` was seen at `sourcePath`, keeping every
    /// earlier path. Does nothing when the media has no manifest yet.
    public func recordSourcePath(hashString: String, sourcePath: String) throws(StoreError) {
        try self.updateManifest(hashString: hashString, createIfMissing: nil) { manifest in
            manifest.recordSourcePath(sourcePath)
        }
    }

    /// Applies `change` to the manifest of `hashString` and writes it atomically. A missing
    /// manifest is created from `createIfMissing`, or left alone when that is nil. A
    /// damaged manifest is replaced, since the analysis files themselves are the truth.
    func updateManifest(
        hashString: String,
        createIfMissing makeManifest: (() -> MediaManifest)?,
        change: (inout MediaManifest) -> Void
    ) throws(StoreError) {
        Self.manifestLock.lock()
        defer { Self.manifestLock.unlock() }

        let existing: MediaManifest?
        do {
            existing = try self.manifest(hashString: hashString)
        } catch StoreError.damagedManifest {
            // TODO: rebuild the analyses list from the files in the folder. Until then, a
            // damaged manifest loses its records of analyses other than the one written.
            existing = nil
        }
        guard var manifest = existing ?? makeManifest?() else { return }
        change(&manifest)
        manifest.updatedAt = Date()
        try writeFileAtomically(manifest.serialized(), to: self.manifestPath(hashString: hashString))
    }
}
