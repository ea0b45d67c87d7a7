import CSQLite
import Foundation

/// A SQLite connection with the few calls the server's indexes and stores need. Every call
/// checks its result code and throws `SQLiteError` naming the database file.
///
/// Not thread-safe on its own: each owner (the transcript index, the watch-folder store)
/// serialises all use of one connection behind its own lock.
public final class SQLiteDatabase {
    /// Path of the database file, for error messages.
    public let path: String
    private let handle: OpaquePointer

    /// Opens or creates the database file at `path`; its folder must exist.
    ///
    /// - Throws: `SQLiteError.openFailed` with SQLite's code and message.
    public init(path: String) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw SQLiteError.openFailed(path: path, code: status, message: message)
        }
        self.path = path
        self.handle = handle
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit {
        sqlite3_close_v2(self.handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        let status = sqlite3_exec(self.handle, sql, nil, nil, nil)
        try self.check(status, operation: "exec")
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(self.handle, sql, -1, &statement, nil)
        try self.check(status, operation: "prepare")
        return SQLiteStatement(statement: statement!, database: self)
    }

    /// Runs `body` inside a transaction, rolling back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
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

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(self.handle) }

    /// Number of rows the last INSERT, UPDATE or DELETE changed.
    public var changedRowCount: Int { Int(sqlite3_changes(self.handle)) }

    func check(_ status: Int32, operation: String) throws(SQLiteError) {
        guard status == SQLITE_OK || status == SQLITE_ROW || status == SQLITE_DONE else {
            throw SQLiteError.failed(
                path: self.path,
                operation: operation,
                code: status,
                message: String(cString: sqlite3_errmsg(self.handle))
            )
        }
    }
}

/// A prepared statement; parameters and columns are numbered as in SQLite (parameters from 1,
/// columns from 0).
public final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit {
        sqlite3_finalize(self.statement)
    }

    public func reset() {
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    public func bind(_ index: Int32, _ value: String) throws(SQLiteError) {
        try self.database.check(sqlite3_bind_text(self.statement, index, value, -1, csqlite_transient()), operation: "bind")
    }

    public func bind(_ index: Int32, _ value: Int64) throws(SQLiteError) {
        try self.database.check(sqlite3_bind_int64(self.statement, index, value), operation: "bind")
    }

    public func bind(_ index: Int32, _ value: Double) throws(SQLiteError) {
        try self.database.check(sqlite3_bind_double(self.statement, index, value), operation: "bind")
    }

    /// Advances to the next row; returns false when the statement is done.
    public func step() throws(SQLiteError) -> Bool {
        let status = sqlite3_step(self.statement)
        try self.database.check(status, operation: "step")
        return status == SQLITE_ROW
    }

    public func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(self.statement, column) else { return "" }
        return String(cString: text)
    }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(self.statement, column) }

    public func double(_ column: Int32) -> Double { sqlite3_column_double(self.statement, column) }
}

/// A failed SQLite call, with the database file, the operation, SQLite's result code and message.
public enum SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    case openFailed(path: String, code: Int32, message: String)
    case failed(path: String, operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .openFailed(let path, let code, let message):
            return "failed to open SQLite database '\(path)' (SQLite \(code): \(message)); check that the folder exists and is writable"
        case .failed(let path, let operation, let code, let message):
            return "SQLite \(operation) failed on '\(path)' (SQLite \(code): \(message))"
        }
    }
}
