import Glibc

/// A file opened read-only, closed when the value is released.
final class ReadableFile {
    let path: String
    let descriptor: Int32
    let identity: FileIdentity

    /// Opens `path`; returns nil when it does not exist.
    init?(path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw StoreError.fileOperationFailed(path: path, operation: "open", errno: code)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw StoreError.fileOperationFailed(path: path, operation: "fstat", errno: code)
        }
        self.path = path
        self.descriptor = descriptor
        self.identity = FileIdentity(status)
    }

    deinit {
        close(self.descriptor)
    }

    var size: Int {
        self.identity.size
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`, throwing `damagedFile` when the
    /// file ends early.
    func read(into buffer: UnsafeMutableRawBufferPointer, offset: Int) throws(StoreError) {
        var done = 0
        while done < buffer.count {
            let result = pread(
                self.descriptor,
                buffer.baseAddress! + done,
                buffer.count - done,
                off_t(offset + done)
            )
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw StoreError.fileOperationFailed(path: self.path, operation: "read", errno: code)
            }
            if result == 0 {
                throw StoreError.damagedFile(
                    path: self.path,
                    reason: "file ends at byte \(offset + done), expected \(buffer.count - done) more bytes"
                )
            }
            done += result
        }
    }

    /// Reads exactly `count` bytes at `offset`.
    func readBytes(count: Int, offset: Int) throws(StoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        var failure: StoreError?
        bytes.withUnsafeMutableBytes { buffer in
            do throws(StoreError) {
                try self.read(into: buffer, offset: offset)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads the whole file.
    func readAll() throws(StoreError) -> [UInt8] {
        try self.readBytes(count: self.size, offset: 0)
    }
}

/// Suffix of the temporary files that atomic writes rename over their targets.
let temporaryFileSuffix = ".tmp"

/// Writes `bytes` to `path` so that readers see either the old file or the complete new
/// one: the data goes to a temporary file in the same folder, is flushed with `fsync`,
/// then renamed over `path`, and the folder is flushed so the rename survives a crash.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(StoreError) {
    let folder = parentFolder(of: path)
    let name = String(path[path.index(after: path.lastIndex(of: "/")!)...])
    let temporaryPath = "\(folder)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max))\(temporaryFileSuffix)"

    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw StoreError.fileOperationFailed(path: temporaryPath, operation: "create", errno: errno)
    }
    var isRenamed = false
    defer {
        if !isRenamed { unlink(temporaryPath) }
    }

    do throws(StoreError) {
        try writeAll(bytes, descriptor: descriptor, path: temporaryPath)
        guard fsync(descriptor) == 0 else {
            throw StoreError.fileOperationFailed(path: temporaryPath, operation: "fsync", errno: errno)
        }
    } catch {
        close(descriptor)
        throw error
    }
    guard close(descriptor) == 0 else {
        throw StoreError.fileOperationFailed(path: temporaryPath, operation: "close", errno: errno)
    }

    guard rename(temporaryPath, path) == 0 else {
        throw StoreError.fileOperationFailed(path: path, operation: "rename", errno: errno)
    }
    isRenamed = true
    syncFolder(folder)
}

private func writeAll(_ bytes: [UInt8], descriptor: Int32, path: String) throws(StoreError) {
    var failure: StoreError?
    bytes.withUnsafeBytes { buffer in
        var done = 0
        while done < buffer.count {
            let result = write(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if result < 0 {
                if errno == EINTR { continue }
                failure = StoreError.fileOperationFailed(path: path, operation: "write", errno: errno)
                return
            }
            done += result
        }
    }
    if let failure { throw failure }
}

/// Flushes a folder's entries to disk. Failures are ignored because some network file
/// systems reject `fsync` on folders, and the rename itself already happened.
private func syncFolder(_ path: String) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    close(descriptor)
}

/// Removes temporary files left in `folder` by writes that crashed or were killed before
/// their rename, when they are older than `minimumAgeSeconds`. The age limit keeps this
/// from deleting the temporary file of a write still running, possibly on another machine
/// sharing the folder. Returns the number of files removed.
@discardableResult
func removeStaleTemporaryFiles(inFolder folder: String, minimumAgeSeconds: Double) -> Int {
    guard let names = try? listFolder(folder) else { return 0 }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var removed = 0
    for name in names where name.hasPrefix(".") && name.hasSuffix(temporaryFileSuffix) {
        let path = "\(folder)/\(name)"
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
        let ageSeconds = Double(now.tv_sec - status.st_mtim.tv_sec)
        if ageSeconds >= minimumAgeSeconds && unlink(path) == 0 {
            removed += 1
        }
    }
    return removed
}

/// Lists the entry names of a folder, without `.` and `..`.
func listFolder(_ path: String) throws(StoreError) -> [String] {
    guard let directory = opendir(path) else {
        throw StoreError.fileOperationFailed(path: path, operation: "opendir", errno: errno)
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name != "." && name != ".." {
            names.append(name)
        }
    }
    return names
}

/// Creates a folder (and its parents) unless it exists.
func createFolder(_ path: String) throws(StoreError) {
    var status = stat()
    if stat(path, &status) == 0 {
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw StoreError.fileOperationFailed(path: path, operation: "mkdir", errno: ENOTDIR)
        }
        return
    }
    let parent = parentFolder(of: path)
    if parent != path && !parent.isEmpty {
        try createFolder(parent)
    }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw StoreError.fileOperationFailed(path: path, operation: "mkdir", errno: errno)
    }
}

/// Returns the folder part of an absolute path (`/` for a top-level entry).
func parentFolder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}
