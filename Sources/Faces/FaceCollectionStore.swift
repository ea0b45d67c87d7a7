import AnalysisStore
import Foundation
import JumperCore

/// The face collections of cache folders, loaded from and saved to
/// `<cache_dir>/collections/<name>/collection.json`.
///
/// Every read and update of one collection takes that collection's lock for the whole
/// read-modify-write, so concurrent edits in this server process (an analysis adding faces
/// while a client renames or merges) keep each other's changes. Two servers sharing a
/// cache_dir are not coordinated. Different collections do not wait for each other. A parsed collection stays cached in memory until its file changes on disk.
///
/// NOTE: the lock serialises this process only. Two servers sharing one `cache_dir` that
/// edit the same collection at the same moment can still lose one of the edits. Every
/// update also rewrites the whole file, about 0.9 KB per face: with 100,000 faces each
/// analysed file and each edit writes 89 MB, measured at 1.4 s (FacesBenchmark).
public final class FaceCollectionStore: @unchecked Sendable {
    /// File name of a collection inside its folder.
    public static let fileName = "collection.json"

    // `lock` protects `locks` and `cache`.
    private let lock = NSLock()
    private var locks: [String: NSLock] = [:]
    private var cache: [String: (identity: FileIdentity, collection: FaceCollection)] = [:]

    public init() {}

    /// Returns whether the collection `name` exists in `cacheDirectory`.
    public func exists(_ cacheDirectory: CacheDirectory, name: String) -> Bool {
        let path = "\(cacheDirectory.collectionFolderPath(name: name))/\(Self.fileName)"
        return FileManager.default.fileExists(atPath: path)
    }

    /// Runs `body` on the stored collection while holding its lock.
    ///
    /// - Throws: `FacesError.collectionNotFound` when it does not exist, `StoreError` for an
    ///   invalid name or a failed read, `FacesError.invalidJSON` for a damaged file, and
    ///   whatever `body` throws.
    public func read<T>(_ cacheDirectory: CacheDirectory, name: String, _ body: (FaceCollection) throws -> T) throws -> T {
        try CacheDirectory.validateCollectionName(name)
        return try self.withCollectionLock(cacheDirectory, name: name) { key in
            guard let collection = try self.load(cacheDirectory, name: name, key: key) else {
                throw FacesError.collectionNotFound(name: name, cacheDirectory: cacheDirectory.path)
            }
            return try body(collection)
        }
    }

    /// Runs `body` on the collection while holding its lock, then saves it atomically.
    /// Nothing is saved when `body` throws.
    ///
    /// - Parameter createIfMissing: starts an empty collection (with `parameters`) when none
    ///   exists; otherwise a missing collection throws `FacesError.collectionNotFound`.
    @discardableResult
    public func update<T>(
        _ cacheDirectory: CacheDirectory,
        name: String,
        createIfMissing: Bool = false,
        parameters: ClusteringParameters = .standard,
        _ body: (inout FaceCollection) throws -> T
    ) throws -> T {
        try CacheDirectory.validateCollectionName(name)
        return try self.withCollectionLock(cacheDirectory, name: name) { key in
            var collection: FaceCollection
            if let stored = try self.load(cacheDirectory, name: name, key: key) {
                collection = stored
            } else if createIfMissing {
                collection = FaceCollection(name: name, parameters: parameters)
            } else {
                throw FacesError.collectionNotFound(name: name, cacheDirectory: cacheDirectory.path)
            }
            let result = try body(&collection)
            try cacheDirectory.writeCollectionFile(collection.json().serialized(), collection: name, fileName: Self.fileName)
            if let identity = try FileIdentity.ofFile(atPath: self.filePath(cacheDirectory, name: name)) {
                self.lock.withLock { self.cache[key] = (identity, collection) }
            }
            return result
        }
    }

    // MARK: - Helpers

    private func filePath(_ cacheDirectory: CacheDirectory, name: String) -> String {
        "\(cacheDirectory.collectionFolderPath(name: name))/\(Self.fileName)"
    }

    private func withCollectionLock<T>(_ cacheDirectory: CacheDirectory, name: String, _ body: (String) throws -> T) throws -> T {
        let key = self.filePath(cacheDirectory, name: name)
        let collectionLock = self.lock.withLock {
            if let existing = self.locks[key] {
                return existing
            }
            let created = NSLock()
            self.locks[key] = created
            return created
        }
        collectionLock.lock()
        defer { collectionLock.unlock() }
        return try body(key)
    }

    /// Returns the stored collection, from memory when its file is unchanged; nil when none exists.
    private func load(_ cacheDirectory: CacheDirectory, name: String, key: String) throws -> FaceCollection? {
        guard let identity = try FileIdentity.ofFile(atPath: key) else {
            self.lock.withLock { self.cache[key] = nil }
            return nil
        }
        if let cached = self.lock.withLock({ self.cache[key] }), cached.identity == identity {
            return cached.collection
        }
        guard let bytes = try cacheDirectory.readCollectionFile(collection: name, fileName: Self.fileName) else {
            return nil
        }
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            throw FacesError.invalidJSON(field: key, expected: "a JSON face collection (\(error))")
        }
        let collection = try FaceCollection(json: json)
        self.lock.withLock { self.cache[key] = (identity, collection) }
        return collection
    }
}
