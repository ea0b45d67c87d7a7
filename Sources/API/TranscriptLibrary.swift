import Analysis
import AnalysisStore
import Foundation
import JumperCore
import Speech
import TranscriptSearch

/// A stored `speech.json` that is not valid JSON or not a valid transcript.
struct DamagedTranscriptError: Error, CustomStringConvertible, Sendable {
    /// Absolute path of the damaged `speech.json`.
    let path: String
    let reason: String

    var description: String {
        "damaged transcript file '\(self.path)': \(self.reason). Analyse the media again with \"force\": true to replace it."
    }
}

/// The outcome of indexing the transcripts of a cache folder.
struct TranscriptLoadSummary: Sendable {
    /// Hashes whose transcript is indexed, in the order they were looked at.
    var transcribed: [String] = []
    /// Transcripts that could not be read, with the error that names the file.
    var failures: [(hashString: String, message: String)] = []
}

/// The transcript search indexes, one SQLite file per `cache_dir`, kept in the server's data folder.
///
/// `cache_dir` may be on a shared drive, where SQLite's locking is unreliable, so the index
/// lives on local disk and is rebuilt from each media's `speech.json`, the source of truth.
final class TranscriptLibrary: @unchecked Sendable {
    private let folder: String
    private let logger: Logger
    // The lock protects `indexes`, `indexedFiles` and `damagedFiles`.
    private let lock = NSLock()
    private var indexes: [String: TranscriptIndex] = [:]
    /// The modification time of each `speech.json` indexed in this process, by cache folder and hash.
    private var indexedFiles: [String: [String: Double]] = [:]
    /// The modification time and error of each damaged `speech.json`, by cache folder and hash,
    /// so an unchanged damaged file is logged once, not on every search.
    private var damagedFiles: [String: [String: (modified: Double, message: String)]] = [:]

    init(dataDirectory: String, logger: Logger) {
        self.folder = (dataDirectory as NSString).appendingPathComponent("transcript-index")
        self.logger = logger
    }

    /// Returns the index of a cache folder, creating it on first use.
    func index(for cache: CacheDirectory) throws -> TranscriptIndex {
        try self.lock.withLock {
            if let index = self.indexes[cache.path] { return index }
            try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
            let name = String(fnv1a(cache.path), radix: 16) + ".sqlite"
            let index = try TranscriptIndex(databasePath: (self.folder as NSString).appendingPathComponent(name), logger: self.logger)
            self.indexes[cache.path] = index
            return index
        }
    }

    /// Reads the stored transcript of a media, or nil when it has none.
    ///
    /// - Throws: `DamagedTranscriptError` naming the file when it is not a valid transcript,
    ///   and `StoreError` when it cannot be read.
    func transcript(cache: CacheDirectory, hashString: String) throws -> Transcript? {
        guard let bytes = try cache.readAnalysisFile(hashString: hashString, fileName: SpeechAnalyzer.fileName) else {
            return nil
        }
        do {
            return try Transcript(json: try JSON.parse(bytes))
        } catch {
            let path = self.transcriptPath(cache: cache, hashString: hashString)
            throw DamagedTranscriptError(path: path, reason: "\(error)")
        }
    }

    /// Indexes the transcripts of these hashes, or of the whole folder when nil, that changed
    /// since they were last indexed.
    ///
    /// A damaged transcript is skipped, dropped from the index, logged once as a warning and
    /// listed in the summary's failures, so the other transcripts stay searchable.
    @discardableResult
    func load(cache: CacheDirectory, hashStrings: [String]?) throws -> TranscriptLoadSummary {
        let index = try self.index(for: cache)
        let candidates = try hashStrings ?? cache.allHashStrings()
        var summary = TranscriptLoadSummary()
        for hash in candidates {
            let path = self.transcriptPath(cache: cache, hashString: hash)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970
            else { continue }
            let (known, damaged) = self.lock.withLock {
                (self.indexedFiles[cache.path]?[hash], self.damagedFiles[cache.path]?[hash])
            }
            if known == modified {
                summary.transcribed.append(hash)
                continue
            }
            if let damaged, damaged.modified == modified {
                summary.failures.append((hash, damaged.message))
                continue
            }

            let transcript: Transcript
            do {
                guard let read = try self.transcript(cache: cache, hashString: hash) else { continue }
                transcript = read
            } catch let error as DamagedTranscriptError {
                try self.recordDamaged(error, cache: cache, hashString: hash, modified: modified, index: index)
                summary.failures.append((hash, error.description))
                continue
            }
            let sourcePath = (try? cache.manifest(hashString: hash))??.lastSourcePath ?? ""
            try index.index(hashString: hash, sourcePath: sourcePath, transcript: transcript.json())
            self.lock.withLock {
                self.indexedFiles[cache.path, default: [:]][hash] = modified
                self.damagedFiles[cache.path]?[hash] = nil
            }
            summary.transcribed.append(hash)
        }
        return summary
    }

    /// Drops a damaged transcript from the index, so searches stop returning its old text, and
    /// logs it once per version of the file.
    private func recordDamaged(
        _ error: DamagedTranscriptError,
        cache: CacheDirectory,
        hashString: String,
        modified: Double,
        index: TranscriptIndex
    ) throws {
        try index.remove(hashString: hashString)
        self.lock.withLock {
            self.indexedFiles[cache.path]?[hashString] = nil
            self.damagedFiles[cache.path, default: [:]][hashString] = (modified, error.description)
        }
        self.logger.warning(
            "damaged transcript skipped",
            ["cache.dir": cache.path, "media.hash": hashString, "file.path": error.path, "error": error.reason]
        )
    }

    private func transcriptPath(cache: CacheDirectory, hashString: String) -> String {
        (cache.mediaFolderPath(hashString: hashString) as NSString).appendingPathComponent(SpeechAnalyzer.fileName)
    }
}

/// Returns the 64-bit FNV-1a hash of a string's UTF-8 bytes, used to name index files.
private func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return hash
}
