import AnalysisStore
import Foundation
import JumperCore

/// An in-memory index of the visual analyses of one or more cache folders, searched with
/// BLAS.
///
/// Vectors are kept as bfloat16, 2 bytes per value: 100 hours of 384-d vectors at one
/// frame per second take 276 MB. A search reads every vector in scope once.
///
/// All methods may be called from any thread and block while they read files or score.
/// Loads read files outside the lock, and searches copy the list of loaded media under the
/// lock, then score without it, so searches run while other media load. Call it from
/// threads you own (HTTP handler threads), not for long on the Swift cooperative pool.
public final class VisualSearchIndex: @unchecked Sendable {
    let logger: Logger
    /// Maximum number of threads one search scores on.
    public let maxScoringThreads: Int
    // The lock protects `mediaByFolder`. The `LoadedMedia` values it contains are immutable.
    private let lock = NSLock()
    /// Loaded media by normalised cache folder path, then by content hash.
    private var mediaByFolder: [String: [String: LoadedMedia]] = [:]

    /// Creates an empty index.
    ///
    /// - Parameters:
    ///   - logger: receives load summaries, load failures and rejected queries.
    ///   - maxScoringThreads: maximum number of threads one search scores on, by default
    ///     one per active processor. The calling thread waits for them.
    public init(logger: Logger, maxScoringThreads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.logger = logger
        self.maxScoringThreads = max(1, maxScoringThreads)
    }

    // MARK: - Loading

    /// Loads every visual analysis in the cache folder, skipping those already loaded
    /// whose file is unchanged, and drops loaded media whose file has disappeared.
    ///
    /// - Throws: `StoreError` when the folder cannot be listed. A damaged analysis file does
    ///   not throw: it is logged and listed in `failures`.
    public func loadAll(cacheDirectory: CacheDirectory) throws -> LoadSummary {
        let hashStrings = try cacheDirectory.allHashStrings()
        var summary = try self.load(cacheDirectory: cacheDirectory, hashStrings: hashStrings)

        // hash folders without a visual file (audio-only media) are not missing here
        summary.missingHashStrings = []
        let present = Set(summary.loaded.map(\.hashString))
        self.lock.lock()
        let before = self.mediaByFolder[cacheDirectory.path]?.count ?? 0
        self.mediaByFolder[cacheDirectory.path] = self.mediaByFolder[cacheDirectory.path]?.filter { hash, _ in
            present.contains(hash)
        }
        summary.removedCount = before - (self.mediaByFolder[cacheDirectory.path]?.count ?? 0)
        self.lock.unlock()
        return summary
    }

    /// Loads the visual analyses of these content hashes, skipping those already loaded
    /// whose file is unchanged.
    ///
    /// - Returns: what was loaded, which hashes have no visual analysis and which failed.
    /// - Throws: `StoreError.invalidHashString` for a malformed hash.
    public func load(cacheDirectory: CacheDirectory, hashStrings: [String]) throws -> LoadSummary {
        let start = ContinuousClock.now
        if let invalid = hashStrings.first(where: { !isValidHashString($0) }) {
            throw StoreError.invalidHashString(invalid)
        }
        var summary = LoadSummary()
        for hashString in Set(hashStrings).sorted() {
            self.loadOne(cacheDirectory: cacheDirectory, hashString: hashString, into: &summary)
        }
        let elapsed = ContinuousClock.now - start
        // Searches load on demand, so a load with nothing new is routine and logs at debug.
        let level: LogLevel = summary.newlyLoadedCount > 0 || !summary.failures.isEmpty ? .info : .debug
        self.logger.log(
            level,
            "visual analyses loaded",
            [
                "cache.dir": cacheDirectory.path,
                "media.loaded": String(summary.newlyLoadedCount),
                "media.unchanged": String(summary.unchangedCount),
                "media.missing": String(summary.missingHashStrings.count),
                "media.failed": String(summary.failures.count),
                "duration.ms": String(elapsed.milliseconds),
            ]
        )
        return summary
    }

    private func store(_ media: LoadedMedia, hashString: String, cacheDirectoryPath: String) {
        self.lock.lock()
        self.mediaByFolder[cacheDirectoryPath, default: [:]][hashString] = media
        self.lock.unlock()
    }

    /// Returns the manifest's latest source path with the manifest version it came from, or nil
    /// when the manifest is missing or unreadable (the header's path is the fallback then).
    private static func lastSeen(
        cacheDirectory: CacheDirectory,
        hashString: String,
        identity: FileIdentity
    ) -> (path: String, manifestIdentity: FileIdentity)? {
        guard let manifest = try? cacheDirectory.manifest(hashString: hashString) else { return nil }
        return (manifest.lastSourcePath, identity)
    }

    private func loadOne(cacheDirectory: CacheDirectory, hashString: String, into summary: inout LoadSummary) {
        let path = cacheDirectory.visualAnalysisPath(hashString: hashString)
        do {
            guard let identity = try FileIdentity.ofFile(atPath: path) else {
                self.remove(hashString: hashString, cacheDirectoryPath: cacheDirectory.path)
                summary.missingHashStrings.append(hashString)
                return
            }
            let manifestIdentity = try? FileIdentity.ofFile(atPath: cacheDirectory.manifestPath(hashString: hashString))
            if let existing = self.media(hashString: hashString, cacheDirectoryPath: cacheDirectory.path),
                existing.header.identity == identity
            {
                // A stat per search keeps the reported path current; the manifest is read only when it changed.
                var current = existing
                if let manifestIdentity, manifestIdentity != existing.manifestIdentity,
                    let lastSeen = Self.lastSeen(cacheDirectory: cacheDirectory, hashString: hashString, identity: manifestIdentity)
                {
                    current = existing.updating(lastSeen: lastSeen)
                    self.store(current, hashString: hashString, cacheDirectoryPath: cacheDirectory.path)
                }
                summary.unchangedCount += 1
                summary.loaded.append(current.summary)
                return
            }
            guard let (header, vectors) = try cacheDirectory.readVisualVectors(hashString: hashString) else {
                self.remove(hashString: hashString, cacheDirectoryPath: cacheDirectory.path)
                summary.missingHashStrings.append(hashString)
                return
            }
            let media = LoadedMedia(
                cacheDirectory: cacheDirectory,
                header: header,
                vectors: vectors,
                lastSeen: manifestIdentity.flatMap {
                    Self.lastSeen(cacheDirectory: cacheDirectory, hashString: hashString, identity: $0)
                }
            )
            self.store(media, hashString: hashString, cacheDirectoryPath: cacheDirectory.path)
            summary.newlyLoadedCount += 1
            summary.loaded.append(media.summary)
        } catch {
            // a file replaced by a damaged one must not keep serving the old vectors
            self.remove(hashString: hashString, cacheDirectoryPath: cacheDirectory.path)
            summary.failures.append(LoadFailure(hashString: hashString, message: "\(error)"))
            self.logger.error(
                "visual analysis load failed",
                ["cache.dir": cacheDirectory.path, "media.hash": hashString, "error": "\(error)"]
            )
        }
    }

    // MARK: - Inspection

    /// Lists the media loaded for a cache folder, sorted by hash.
    public func loadedEntries(cacheDirectoryPath: String) -> [LoadedMediaSummary] {
        self.snapshot(cacheDirectoryPath: cacheDirectoryPath).map(\.summary)
    }

    /// Drops every loaded media of a cache folder from memory.
    public func unloadAll(cacheDirectoryPath: String) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.mediaByFolder[CacheDirectory.normalizedPath(cacheDirectoryPath)] = nil
    }

    /// Returns the loaded media of a cache folder, sorted by hash.
    func snapshot(cacheDirectoryPath: String) -> [LoadedMedia] {
        self.lock.lock()
        let media = self.mediaByFolder[CacheDirectory.normalizedPath(cacheDirectoryPath)] ?? [:]
        self.lock.unlock()
        return media.keys.sorted().map { media[$0]! }
    }

    private func media(hashString: String, cacheDirectoryPath: String) -> LoadedMedia? {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.mediaByFolder[cacheDirectoryPath]?[hashString]
    }

    private func remove(hashString: String, cacheDirectoryPath: String) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.mediaByFolder[cacheDirectoryPath]?[hashString] = nil
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
