import CSQLite
import Foundation
import JumperCore

/// A full-text index of transcript segments in one SQLite file, keyed by media hash and segment index.
///
/// Text is stored as written and indexed folded (NFKC, case folded, accents removed) in two FTS5
/// tables: `unicode61` for words in spaced scripts and `trigram` for Chinese, Japanese, Korean and
/// Thai, which have no spaces between words. Ranking is bm25.
///
/// Thread-safety: all calls are serialised by an internal lock, so any thread may use one index.
/// Each call blocks on SQLite: keep it off the cooperative pool for large batches.
public final class TranscriptIndex: @unchecked Sendable {
    public let databasePath: String
    // `lock` guards `database` and every statement run on it.
    private let lock = NSLock()
    private let database: SQLiteDatabase
    private let logger: Logger

    /// Opens or creates the index at `databasePath` (the folder must exist).
    ///
    /// - Throws: `TranscriptSearchError.openFailed` or `.sqliteFailed`.
    public init(databasePath: String, logger: Logger) throws {
        self.databasePath = databasePath
        self.logger = logger
        self.database = try SQLiteDatabase(path: databasePath)
        try self.database.execute(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS segments (
                id INTEGER PRIMARY KEY,
                hash_str TEXT NOT NULL,
                segment_index INTEGER NOT NULL,
                video_path TEXT NOT NULL,
                start REAL NOT NULL,
                end REAL NOT NULL,
                text TEXT NOT NULL,
                UNIQUE (hash_str, segment_index)
            );
            CREATE VIRTUAL TABLE IF NOT EXISTS segment_words USING fts5(folded, tokenize = 'unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE IF NOT EXISTS segment_trigrams USING fts5(folded, tokenize = 'trigram');
            """
        )
    }

    // MARK: - Writing

    /// Replaces the indexed segments of one media file with those of `transcript`.
    ///
    /// - Parameters:
    ///   - hashString: the media file's content hash (`hash_str`).
    ///   - sourcePath: the file's path, returned as `video_path` in matches.
    ///   - transcript: a transcript in the contract's shape (`segments` with `start`, `end`, `text`).
    /// - Throws: `TranscriptSearchError.invalidTranscript` naming the bad field, or `.sqliteFailed`.
    public func index(hashString: String, sourcePath: String, transcript: JSON) throws {
        guard let segments = transcript["segments"]?.arrayValue else {
            throw TranscriptSearchError.invalidTranscript(hashString: hashString, field: "segments")
        }
        var rows: [(index: Int, start: Double, end: Double, text: String)] = []
        for (position, segment) in segments.enumerated() {
            guard let start = segment["start"]?.doubleValue, let end = segment["end"]?.doubleValue else {
                throw TranscriptSearchError.invalidTranscript(hashString: hashString, field: "segments[\(position)].start/end")
            }
            guard let text = segment["text"]?.stringValue else {
                throw TranscriptSearchError.invalidTranscript(hashString: hashString, field: "segments[\(position)].text")
            }
            rows.append((segment["id"]?.intValue ?? position, start, end, text))
        }

        self.lock.lock()
        defer { self.lock.unlock() }
        try self.database.transaction {
            try self.deleteRows(hashString: hashString)
            let insertSegment = try self.database.prepare(
                "INSERT INTO segments (hash_str, segment_index, video_path, start, end, text) VALUES (?, ?, ?, ?, ?, ?)"
            )
            let insertWords = try self.database.prepare("INSERT INTO segment_words (rowid, folded) VALUES (?, ?)")
            let insertTrigrams = try self.database.prepare("INSERT INTO segment_trigrams (rowid, folded) VALUES (?, ?)")
            for row in rows {
                insertSegment.reset()
                try insertSegment.bind(1, hashString)
                try insertSegment.bind(2, Int64(row.index))
                try insertSegment.bind(3, sourcePath)
                try insertSegment.bind(4, row.start)
                try insertSegment.bind(5, row.end)
                try insertSegment.bind(6, row.text)
                _ = try insertSegment.step()
                let rowID = self.database.lastInsertRowID
                let folded = TextFolding.fold(row.text)
                for statement in [insertWords, insertTrigrams] {
                    statement.reset()
                    try statement.bind(1, rowID)
                    try statement.bind(2, folded)
                    _ = try statement.step()
                }
            }
        }
        self.logger.debug("transcript indexed", ["media.hash": hashString, "transcript.segments": String(rows.count)])
    }

    /// Removes every segment of one media file; removing an unknown hash does nothing.
    public func remove(hashString: String) throws {
        self.lock.lock()
        defer { self.lock.unlock() }
        try self.database.transaction {
            try self.deleteRows(hashString: hashString)
        }
    }

    private func deleteRows(hashString: String) throws {
        for sql in [
            "DELETE FROM segment_words WHERE rowid IN (SELECT id FROM segments WHERE hash_str = ?)",
            "DELETE FROM segment_trigrams WHERE rowid IN (SELECT id FROM segments WHERE hash_str = ?)",
            "DELETE FROM segments WHERE hash_str = ?",
        ] {
            let statement = try self.database.prepare(sql)
            try statement.bind(1, hashString)
            _ = try statement.step()
        }
    }

    /// Returns the hashes of all indexed media files, sorted.
    public func indexedHashStrings() throws -> [String] {
        self.lock.lock()
        defer { self.lock.unlock() }
        let statement = try self.database.prepare("SELECT DISTINCT hash_str FROM segments ORDER BY hash_str")
        var hashes: [String] = []
        while try statement.step() {
            hashes.append(statement.string(0))
        }
        return hashes
    }

    // MARK: - Searching

    /// Finds the segments matching `query`, most relevant first.
    ///
    /// Matching is case-, accent- and width-insensitive. Double quotes group a phrase; all terms
    /// must match. Any text is accepted: a query with no searchable characters returns no matches.
    ///
    /// - Parameters:
    ///   - query: the user's search text.
    ///   - hashStrings: media hashes to search in, or nil for every indexed file.
    ///   - maxResults: maximum number of matches returned.
    public func search(query: String, hashStrings: [String]?, maxResults: Int) throws -> [TranscriptMatch] {
        let parsed = TranscriptQuery(query)
        guard !parsed.isEmpty, maxResults > 0 else { return [] }
        if let hashStrings, hashStrings.isEmpty { return [] }

        // The word table ranks when the query has words; otherwise the trigram table does.
        let wordExpression = parsed.wordMatchExpression
        let trigramExpression = parsed.trigramMatchExpression
        var conditions: [String] = []
        var bindings: [String] = []
        let rankingTable: String
        if let wordExpression {
            rankingTable = "segment_words"
            conditions.append("segment_words MATCH ?")
            bindings.append(wordExpression)
            if let trigramExpression {
                conditions.append("s.id IN (SELECT rowid FROM segment_trigrams WHERE segment_trigrams MATCH ?)")
                bindings.append(trigramExpression)
            }
        } else if let trigramExpression {
            rankingTable = "segment_trigrams"
            conditions.append("segment_trigrams MATCH ?")
            bindings.append(trigramExpression)
        } else {
            rankingTable = "segment_trigrams"
        }
        for pattern in parsed.shortUnspacedPatterns {
            // NOTE: one- and two-character CJK terms scan every row, since trigrams cannot index them.
            conditions.append("s.id IN (SELECT rowid FROM segment_trigrams WHERE folded LIKE ? ESCAPE '\\')")
            bindings.append(pattern)
        }
        if let hashStrings {
            conditions.append("s.hash_str IN (SELECT value FROM json_each(?))")
            bindings.append(JSON.array(hashStrings.map { .string($0) }).serializedString())
        }
        let rankExpression = (wordExpression != nil || trigramExpression != nil) ? "bm25(\(rankingTable))" : "0.0"
        let sql = """
            SELECT s.video_path, s.hash_str, s.segment_index, s.start, s.end, s.text, \(rankExpression) AS score
            FROM \(rankingTable) JOIN segments s ON s.id = \(rankingTable).rowid
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY score, s.hash_str, s.segment_index
            LIMIT ?
            """

        self.lock.lock()
        defer { self.lock.unlock() }
        let statement = try self.database.prepare(sql)
        for (position, value) in bindings.enumerated() {
            try statement.bind(Int32(position + 1), value)
        }
        try statement.bind(Int32(bindings.count + 1), Int64(maxResults))
        var matches: [TranscriptMatch] = []
        while try statement.step() {
            let text = statement.string(5)
            matches.append(
                TranscriptMatch(
                    videoPath: statement.string(0),
                    hashString: statement.string(1),
                    segmentIndex: Int(statement.int64(2)),
                    start: statement.double(3),
                    end: statement.double(4),
                    text: text,
                    highlights: parsed.highlights(in: text),
                    score: statement.double(6)
                )
            )
        }
        return matches
    }
}
