import AnalysisStore
import Foundation

/// A file the service has finished with: its signature when it was handled, its content hash
/// and the outcome.
public struct FileRecord: Sendable, Equatable {
    public var signature: FileSignature
    public var hashString: String
    public var outcome: FileOutcome
}

/// Cumulative per-folder counts of what the service did, kept across restarts.
public struct FolderCounters: Sendable, Equatable {
    public var filesAnalyzed = 0
    public var filesFailed = 0
    /// Files not analysed because their content was analysed already.
    public var filesSkipped = 0

    public init() {}
}

extension WatchFolderStore {
    // MARK: - File records

    /// Returns every file record of a folder by path.
    public func fileRecords(folderID: Int64) throws -> [String: FileRecord] {
        try self.lock.withLock {
            let select = try self.database.prepare(
                "SELECT path, size, modified_ns, hash_str, outcome FROM watch_files WHERE folder_id = ?"
            )
            try select.bind(1, folderID)
            var records: [String: FileRecord] = [:]
            while try select.step() {
                let signature = FileSignature(size: select.int64(1), modifiedNanoseconds: select.int64(2))
                let outcome = FileOutcome(rawValue: select.string(4)) ?? .failed
                records[select.string(0)] = FileRecord(signature: signature, hashString: select.string(3), outcome: outcome)
            }
            return records
        }
    }

    /// Stores what happened to a file and adds it to the folder's counters.
    public func record(_ record: FileRecord, path: String, folderID: Int64) throws {
        let counterColumn: String = switch record.outcome {
        case .analyzed: "files_analyzed"
        case .failed: "files_failed"
        case .skipped, .known: "files_skipped"
        }
        try self.lock.withLock {
            try self.database.transaction {
                let upsert = try self.database.prepare(
                    """
                    INSERT INTO watch_files (folder_id, path, size, modified_ns, hash_str, outcome, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (folder_id, path) DO UPDATE SET size = excluded.size,
                        modified_ns = excluded.modified_ns, hash_str = excluded.hash_str,
                        outcome = excluded.outcome, updated_at = excluded.updated_at
                    """
                )
                try upsert.bind(1, folderID)
                try upsert.bind(2, path)
                try upsert.bind(3, record.signature.size)
                try upsert.bind(4, record.signature.modifiedNanoseconds)
                try upsert.bind(5, record.hashString)
                try upsert.bind(6, record.outcome.rawValue)
                try upsert.bind(7, formatISO8601(Date()))
                _ = try upsert.step()

                let count = try self.database.prepare(
                    """
                    INSERT INTO folder_counters (folder_id, \(counterColumn)) VALUES (?, 1)
                    ON CONFLICT (folder_id) DO UPDATE SET \(counterColumn) = \(counterColumn) + 1
                    """
                )
                try count.bind(1, folderID)
                _ = try count.step()
            }
        }
    }

    /// Returns whether the folder already has content with this hash analysed or found analysed,
    /// under any path, including files that have since been renamed, moved or deleted.
    public func hasHandledContent(hashString: String, folderID: Int64) throws -> Bool {
        try self.lock.withLock {
            let select = try self.database.prepare(
                "SELECT 1 FROM watch_files WHERE folder_id = ? AND hash_str = ? AND outcome != 'failed' LIMIT 1"
            )
            try select.bind(1, folderID)
            try select.bind(2, hashString)
            return try select.step()
        }
    }

    // MARK: - Counters

    public func counters(folderID: Int64) throws -> FolderCounters {
        try self.lock.withLock {
            let select = try self.database.prepare(
                "SELECT files_analyzed, files_failed, files_skipped FROM folder_counters WHERE folder_id = ?"
            )
            try select.bind(1, folderID)
            var counters = FolderCounters()
            if try select.step() {
                counters.filesAnalyzed = Int(select.int64(0))
                counters.filesFailed = Int(select.int64(1))
                counters.filesSkipped = Int(select.int64(2))
            }
            return counters
        }
    }
}
