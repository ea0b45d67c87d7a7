import AnalysisStore
import Foundation
import JumperCore

/// The watch folders, the service's on/off state, and what the service did with each file,
/// in one SQLite file in the server's data folder, so all of it survives restarts.
///
/// Thread-safety: every call is serialised by an internal lock; calls block on SQLite.
public final class WatchFolderStore: @unchecked Sendable {
    /// File name of the database inside the data folder.
    public static let fileName = "watch-folders.sqlite"

    public let databasePath: String
    // The lock protects `database` and every statement run on it.
    let lock = NSLock()
    let database: SQLiteDatabase

    /// Opens or creates the store in `dataDirectory`, which must exist.
    ///
    /// - Throws: `SQLiteError` when the file cannot be opened or its tables cannot be created.
    public init(dataDirectory: String) throws {
        self.databasePath = (dataDirectory as NSString).appendingPathComponent(Self.fileName)
        self.database = try SQLiteDatabase(path: self.databasePath)
        try self.database.execute(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS watch_folders (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                path TEXT NOT NULL UNIQUE,
                folder TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS watch_files (
                folder_id INTEGER NOT NULL,
                path TEXT NOT NULL,
                size INTEGER NOT NULL,
                modified_ns INTEGER NOT NULL,
                hash_str TEXT NOT NULL,
                outcome TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (folder_id, path)
            );
            CREATE INDEX IF NOT EXISTS watch_files_by_hash ON watch_files (folder_id, hash_str);
            CREATE TABLE IF NOT EXISTS folder_counters (
                folder_id INTEGER PRIMARY KEY,
                files_analyzed INTEGER NOT NULL DEFAULT 0,
                files_failed INTEGER NOT NULL DEFAULT 0,
                files_skipped INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS service_settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            """
        )
    }

    // MARK: - Folders

    /// Lists every watch folder, oldest first.
    public func allFolders() throws -> [WatchFolder] {
        try self.lock.withLock {
            let statement = try self.database.prepare("SELECT folder FROM watch_folders ORDER BY id")
            var folders: [WatchFolder] = []
            while try statement.step() {
                folders.append(try WatchFolder(storedJSON: try JSON.parse(statement.string(0))))
            }
            return folders
        }
    }

    /// Returns the folder with `id`.
    ///
    /// - Throws: `WatchFolderError.notFound` when there is none.
    public func folder(id: Int64) throws -> WatchFolder {
        try self.lock.withLock { try self.lockedFolder(id: id) }
    }

    /// Stores a new folder and returns it with its assigned id.
    ///
    /// - Throws: `WatchFolderError.duplicatePath` when another folder watches the same path.
    public func insert(_ folder: WatchFolder) throws -> WatchFolder {
        try self.lock.withLock {
            try self.database.transaction {
                try self.requireUniquePath(folder.path, exceptID: nil)
                let insert = try self.database.prepare("INSERT INTO watch_folders (path, folder) VALUES (?, '{}')")
                try insert.bind(1, folder.path)
                _ = try insert.step()
                var stored = folder
                stored.id = self.database.lastInsertRowID
                try self.writeFolder(stored)
                return stored
            }
        }
    }

    /// Replaces the stored folder that has `folder.id`.
    ///
    /// - Throws: `WatchFolderError.notFound`, or `.duplicatePath` when the new path is taken.
    public func update(_ folder: WatchFolder) throws {
        try self.lock.withLock {
            try self.database.transaction {
                _ = try self.lockedFolder(id: folder.id)
                try self.requireUniquePath(folder.path, exceptID: folder.id)
                try self.writeFolder(folder)
            }
        }
    }

    /// Removes a folder with its file records and counters. Analysis in its `cache_dir` stays.
    ///
    /// - Throws: `WatchFolderError.notFound` when there is none.
    public func delete(id: Int64) throws {
        try self.lock.withLock {
            try self.database.transaction {
                _ = try self.lockedFolder(id: id)
                for table in ["watch_folders WHERE id", "watch_files WHERE folder_id", "folder_counters WHERE folder_id"] {
                    let delete = try self.database.prepare("DELETE FROM \(table) = ?")
                    try delete.bind(1, id)
                    _ = try delete.step()
                }
            }
        }
    }

    private func lockedFolder(id: Int64) throws -> WatchFolder {
        let select = try self.database.prepare("SELECT folder FROM watch_folders WHERE id = ?")
        try select.bind(1, id)
        guard try select.step() else { throw WatchFolderError.notFound(id: id) }
        return try WatchFolder(storedJSON: try JSON.parse(select.string(0)))
    }

    private func requireUniquePath(_ path: String, exceptID: Int64?) throws {
        let select = try self.database.prepare("SELECT id FROM watch_folders WHERE path = ?")
        try select.bind(1, path)
        if try select.step(), select.int64(0) != exceptID {
            throw WatchFolderError.duplicatePath(path: path, existingID: select.int64(0))
        }
    }

    private func writeFolder(_ folder: WatchFolder) throws {
        let update = try self.database.prepare("UPDATE watch_folders SET path = ?, folder = ? WHERE id = ?")
        try update.bind(1, folder.path)
        try update.bind(2, folder.json().serializedString())
        try update.bind(3, folder.id)
        _ = try update.step()
    }

    // MARK: - Service state

    /// Returns whether the service was last started rather than stopped, so a restart restores it.
    public func isServiceEnabled() throws -> Bool {
        try self.lock.withLock {
            let select = try self.database.prepare("SELECT value FROM service_settings WHERE key = 'service_state'")
            return try select.step() && select.string(0) == "running"
        }
    }

    public func setServiceEnabled(_ enabled: Bool) throws {
        try self.lock.withLock {
            let upsert = try self.database.prepare(
                "INSERT INTO service_settings (key, value) VALUES ('service_state', ?) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            )
            try upsert.bind(1, enabled ? "running" : "stopped")
            _ = try upsert.step()
        }
    }
}
