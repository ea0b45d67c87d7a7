import Foundation

/// Writes export bytes to a path a client chose, never replacing a file unless asked to.
public enum OutputFile {
    /// Returns true when `path` is `folder` or lies inside it, after resolving symbolic links
    /// in both (for `path`, in its deepest existing ancestor).
    public static func isInside(_ path: String, folder: String) -> Bool {
        let resolvedFolder = Self.resolved(folder)
        let resolvedPath = Self.resolved(path)
        return resolvedPath == resolvedFolder
            || resolvedPath.hasPrefix(resolvedFolder.hasSuffix("/") ? resolvedFolder : resolvedFolder + "/")
    }

    /// Writes `bytes` to `path`.
    ///
    /// With `overwrite` the bytes go to a temporary file in the same folder that is renamed
    /// over `path`, so readers see the old or the new file, never half of one. Without it the
    /// file is created with `O_EXCL`, so an existing file, even one created a moment earlier
    /// by someone else, is never replaced.
    ///
    /// - Throws: `ExportError.writeFailed`; its reason is "File exists" when `path` exists and
    ///   `overwrite` is false.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(ExportError) {
        let target = overwrite ? Self.temporarySibling(of: path) : path
        let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += count
            }
        }
        if failure == 0 && fsync(descriptor) != 0 {
            failure = errno
        }
        close(descriptor)
        if failure != 0 {
            unlink(target)
            throw .writeFailed(path: path, reason: String(cString: strerror(failure)))
        }
        if overwrite && rename(target, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(target)
            throw .writeFailed(path: path, reason: reason)
        }
    }

    private static func temporarySibling(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return (folder as NSString).appendingPathComponent(".\(name).\(UUID().uuidString).partial")
    }

    /// Resolves symbolic links in the deepest existing ancestor of `path` and appends the rest.
    private static func resolved(_ path: String) -> String {
        var existing = (path as NSString).standardizingPath
        var rest: [String] = []
        while !existing.isEmpty, existing != "/", !FileManager.default.fileExists(atPath: existing) {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        var result = (existing as NSString).resolvingSymlinksInPath
        for component in rest {
            result = (result as NSString).appendingPathComponent(component)
        }
        return result
    }
}
