import CSQLite
import Foundation

/// A SQLite connection with the few calls the index needs; every call checks its result code.
///
/// Not thread-safe on its own: `TranscriptIndex` serialises all use behind its lock.
final class SQLiteDatabase {
    private let handle: OpaquePointer

    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw TranscriptSearchError.openFailed(path: path, code: status, message: message)
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit {
        sqlite3_close_v2(self.handle)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        let status = sqlite3_exec(self.handle, sql, nil, nil, nil)
        try self.check(status, operation: "exec")
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(self.handle, sql, -1, &statement, nil)
        try self.check(status, operation: "prepare")
        return SQLiteStatement(statement: statement!, database: self)
    }

    /// Runs `body` inside a transaction, rolling back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try self.execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try self.execute("COMMIT")
            return result
        } catch {
            try? self.execute("ROLLBACK")
            throw error
        }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(self.handle) }

    func check(_ status: Int32, operation: String) throws {
        guard status == SQLITE_OK || status == SQLITE_ROW || status == SQLITE_DONE else {
            throw TranscriptSearchError.sqliteFailed(operation: operation, code: status, message: String(cString: sqlite3_errmsg(self.handle)))
        }
    }
}

/// A prepared statement; parameters are 1-based as in SQLite.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit {
        sqlite3_finalize(self.statement)
    }

    func reset() {
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    func bind(_ index: Int32, _ value: String) throws {
        try self.database.check(sqlite3_bind_text(self.statement, index, value, -1, csqlite_transient()), operation: "bind")
    }

    func bind(_ index: Int32, _ value: Int64) throws {
        try self.database.check(sqlite3_bind_int64(self.statement, index, value), operation: "bind")
    }

    func bind(_ index: Int32, _ value: Double) throws {
        try self.database.check(sqlite3_bind_double(self.statement, index, value), operation: "bind")
    }

    /// Advances to the next row; returns false when the statement is done.
    func step() throws -> Bool {
        let status = sqlite3_step(self.statement)
        try self.database.check(status, operation: "step")
        return status == SQLITE_ROW
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(self.statement, column) else { return "" }
        return String(cString: text)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(self.statement, column) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(self.statement, column) }
}
