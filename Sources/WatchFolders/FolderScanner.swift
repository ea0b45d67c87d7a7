import Glibc

/// The media files of one watch folder at one moment.
public struct FolderScan: Sendable {
    /// Taken files (after the filter) by absolute path.
    public var files: [String: FileSignature] = [:]
    /// Every folder visited, the root included; inotify watches go on these.
    public var directories: [String] = []
    /// Names skipped by the filter: hidden, partial, excluded or not media.
    public var skippedCount = 0
    /// Subfolders that could not be listed, with the `errno` text.
    public var unreadableDirectories: [String: String] = [:]
}

/// Lists a watch folder with `readdir`, calling `stat` only on names the filter takes, so a
/// tree of many non-media files is listed quickly.
public enum FolderScanner {
    /// Scans `root` and, when `recursive`, every subfolder except hidden ones and `excluded`
    /// (the folder's own `cache_dir` when it lies inside). Symbolic links to files are
    /// followed; symbolic links to folders are not, so a link cycle cannot trap the scan.
    ///
    /// - Throws: `FolderUnavailable` when `root` is missing, not a folder or unreadable.
    public static func scan(
        root: String,
        recursive: Bool,
        filter: FileFilter,
        excluding excluded: Set<String> = []
    ) throws(FolderUnavailable) -> FolderScan {
        var status = stat()
        guard stat(root, &status) == 0 else {
            throw FolderUnavailable(path: root, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw FolderUnavailable(path: root, reason: "it is not a folder")
        }
        guard let rootStream = opendir(root) else {
            throw FolderUnavailable(path: root, reason: String(cString: strerror(errno)))
        }

        var scan = FolderScan()
        var pending: [(path: String, stream: OpaquePointer)] = [(root, rootStream)]
        while let (directory, stream) = pending.popLast() {
            scan.directories.append(directory)
            let subfolders = self.list(directory: directory, stream: stream, filter: filter, into: &scan)
            closedir(stream)
            guard recursive else { continue }
            for subfolder in subfolders where !excluded.contains(subfolder) {
                guard let stream = opendir(subfolder) else {
                    scan.unreadableDirectories[subfolder] = String(cString: strerror(errno))
                    continue
                }
                pending.append((subfolder, stream))
            }
        }
        return scan
    }

    /// Adds the taken files of one folder to `scan` and returns its visible subfolders.
    private static func list(directory: String, stream: OpaquePointer, filter: FileFilter, into scan: inout FolderScan) -> [String] {
        var subfolders: [String] = []
        let prefix = directory == "/" ? "/" : directory + "/"
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." {
                continue
            }
            let path = prefix + name
            var type = entry.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                // Some network and FUSE file systems do not fill in d_type.
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                type = (status.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
            }
            if type == UInt8(DT_DIR) {
                if !name.hasPrefix(".") {
                    subfolders.append(path)
                }
                continue
            }
            if filter.rejection(ofName: name) != nil {
                scan.skippedCount += 1
                continue
            }
            if let signature = FileSignature.read(path: path) {
                scan.files[path] = signature
            }
        }
        return subfolders
    }
}

/// A watch folder that cannot be listed: missing (an unmounted drive or offline share),
/// not a folder, or unreadable.
public struct FolderUnavailable: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String

    public var description: String {
        "watch folder '\(self.path)' is not available (\(self.reason)); watching it is paused until it returns"
    }
}
