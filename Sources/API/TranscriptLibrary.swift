import Analysis
import AnalysisStore
import Foundation
import JumperCore
import Speech
import TranscriptSearch

/// The transcript search indexes, one SQLite file per `cache_dir`, kept in the server's data folder.
///
/// `cache_dir` may be on a shared drive, where SQLite's locking is unreliable, so the index
/// lives on local disk and is rebuilt from each media's `speech.json`, the source of truth.
final class TranscriptLibrary: @unchecked Sendable {
    private let folder: String
    private let logger: Logger
    // The lock protects `indexes` and `indexedFiles`.
    private let lock = NSLock()
    private var indexes: [String: TranscriptIndex] = [:]
    /// The modification time of each `speech.json` indexed in this process, by cache folder and hash.
    private var indexedFiles: [String: [String: Double]] = [:]

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
    func transcript(cache: CacheDirectory, hashString: String) throws -> Transcript? {
        guard let bytes = try cache.readAnalysisFile(hashString: hashString, fileName: SpeechAnalyzer.fileName) else {
            return nil
        }
        return try Transcript(json: try JSON.parse(bytes))
    }

    /// Indexes the transcripts of these hashes, or of the whole folder when nil, that changed
    /// since they were last indexed. Returns the hashes that have a transcript.
    @discardableResult
    func load(cache: CacheDirectory, hashStrings: [String]?) throws -> [String] {
        let index = try self.index(for: cache)
        let candidates = try hashStrings ?? cache.allHashStrings()
        var withTranscript: [String] = []
        for hash in candidates {
            let path = (cache.mediaFolderPath(hashString: hash) as NSString).appendingPathComponent(SpeechAnalyzer.fileName)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970
            else { continue }
            withTranscript.append(hash)
            let known = self.lock.withLock { self.indexedFiles[cache.path]?[hash] }
            if known == modified { continue }
            guard let transcript = try self.transcript(cache: cache, hashString: hash) else { continue }
            let sourcePath = (try? cache.manifest(hashString: hash))??.lastSourcePath ?? ""
            try index.index(hashString: hash, sourcePath: sourcePath, transcript: transcript.json())
            self.lock.withLock { self.indexedFiles[cache.path, default: [:]][hash] = modified }
        }
        return withTranscript
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
