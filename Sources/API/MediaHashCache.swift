import AnalysisStore
import Foundation
import Media

/// Remembers the content hash of files by path, size and modification time, so that searches
/// scoped by path do not re-read the files on every request.
final class MediaHashCache: @unchecked Sendable {
    private struct Key: Hashable {
        let path: String
        let size: Int64
        let modified: Double
    }

    static let capacity = 50_000
    // The lock protects `hashes`.
    private let lock = NSLock()
    private var hashes: [Key: String] = [:]

    /// Returns the file's `hash_str`, or throws the media layer's error naming the path.
    func hashString(path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = Key(path: path, size: size, modified: modified)
        if let known = self.lock.withLock({ self.hashes[key] }) {
            return known
        }
        let hash = try ContentHash.hashString(ofFileAt: path)
        self.lock.withLock {
            if self.hashes.count >= Self.capacity {
                self.hashes.removeAll(keepingCapacity: true)
            }
            self.hashes[key] = hash
        }
        return hash
    }
}

extension CacheDirectory {
    /// Returns whether a readable visual analysis of any model exists for the hash.
    func hasAnyVisualAnalysis(hashString: String) -> Bool {
        (try? self.readVisualHeader(hashString: hashString)) != nil
    }
}
