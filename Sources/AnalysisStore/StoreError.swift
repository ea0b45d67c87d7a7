import Glibc

/// An error raised by the analysis store. Every case names the file or value at fault and
/// its `description` tells the user what to do next.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The cache folder path is unusable: relative, not a folder, or not creatable.
    case invalidCacheDirectory(path: String, reason: String)
    /// A cache folder opened for reading does not exist, so nothing was analysed into it.
    case cacheDirectoryNotFound(path: String)
    /// A `hash_str` does not have the form `<8 lowercase hex digits>-<size in bytes>`.
    case invalidHashString(String)
    /// An analysis handed to a writer breaks the format's rules (counts, order, norms).
    case invalidAnalysis(hashString: String, reason: String)
    /// A stored analysis file is truncated or corrupted.
    case damagedFile(path: String, reason: String)
    /// A stored file was written by a newer format version than this build reads.
    case unsupportedVersion(path: String, version: Int, supportedVersion: Int)
    /// A manifest is not valid JSON or misses required fields.
    case damagedManifest(path: String, reason: String)
    /// A system call failed on a file or folder.
    case fileOperationFailed(path: String, operation: String, errno: Int32)
    /// A face collection name (`cluster_job_name`) cannot be used as a folder name.
    case invalidCollectionName(String)

    public var description: String {
        switch self {
        case .invalidCacheDirectory(let path, let reason):
            return "invalid cache_dir '\(path)': \(reason); pass an absolute path to a writable folder"
        case .cacheDirectoryNotFound(let path):
            return "cache_dir '\(path)' not found: no such folder. Analyse media into it first, which creates it, "
                + "or correct the path"
        case .invalidHashString(let value):
            return "invalid hash_str '\(value)': expected 8 lowercase hex digits, '-', then the file size in bytes"
        case .invalidAnalysis(let hashString, let reason):
            return "invalid visual analysis for hash_str '\(hashString)': \(reason)"
        case .damagedFile(let path, let reason):
            return "damaged analysis file '\(path)': \(reason); delete it and analyse the media again"
        case .unsupportedVersion(let path, let version, let supportedVersion):
            return "analysis file '\(path)' has format version \(version) but this build reads up to "
                + "version \(supportedVersion); upgrade the server or analyse the media again"
        case .damagedManifest(let path, let reason):
            return "damaged manifest '\(path)': \(reason); delete it and analyse the media again"
        case .fileOperationFailed(let path, let operation, let errno):
            return "\(operation) failed on '\(path)': \(String(cString: strerror(errno))) (errno \(errno)); "
                + "check that the path exists, is writable and that the disk is not full"
        case .invalidCollectionName(let name):
            return "invalid cluster_job_name '\(name)': use 1 to \(CacheDirectory.maxCollectionNameLength) bytes "
                + "without '/' and not starting with '.'"
        }
    }
}
