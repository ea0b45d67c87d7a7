import Glibc

/// The identity of one version of a file: device, inode, size and modification time.
///
/// Writers replace files by renaming a new file over the old one, so a changed identity
/// means the content changed. Readers use it to skip reloading an unchanged file and to
/// check that a file still is the one whose offsets they remember.
public struct FileIdentity: Sendable, Hashable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int
    public let modificationTimeNanoseconds: Int64

    init(_ status: stat) {
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
        self.size = Int(status.st_size)
        self.modificationTimeNanoseconds =
            Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
    }

    /// Reads the identity of the file at `path`; returns nil when no file exists there.
    public static func ofFile(atPath path: String) throws(StoreError) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw StoreError.fileOperationFailed(path: path, operation: "stat", errno: code)
        }
        return FileIdentity(status)
    }
}
