import Glibc

/// File-system checks that run before FFmpeg opens a path, so the common failures get precise
/// errors (missing, folder, empty) instead of FFmpeg's generic ones.
enum MediaFileCheck {
    /// Returns the size in bytes of the regular file at `path`.
    ///
    /// - Throws: `MediaError.fileNotFound`, `.notAFile` or `.unreadable` when `path` does not
    ///   name a readable regular file.
    static func regularFileSize(atPath path: String) throws(MediaError) -> Int64 {
        var status = stat()
        if stat(path, &status) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw MediaError.fileNotFound(path: path)
            }
            throw MediaError.unreadable(path: path, reason: String(cString: strerror(code)))
        }
        if (status.st_mode & S_IFMT) != S_IFREG {
            throw MediaError.notAFile(path: path)
        }
        return Int64(status.st_size)
    }

    /// Returns the size of the regular file at `path`, rejecting an empty file.
    ///
    /// - Throws: the errors of `regularFileSize(atPath:)`, and `MediaError.emptyFile`.
    static func nonEmptyFileSize(atPath path: String) throws(MediaError) -> Int64 {
        let size = try regularFileSize(atPath: path)
        if size == 0 {
            throw MediaError.emptyFile(path: path)
        }
        return size
    }

    /// Returns true when the file starts like an ISO base media file (MP4, MOV) but has no
    /// top-level `moov` box: what a truncated or still-being-written recording looks like.
    static func isMP4MissingMoov(atPath path: String) -> Bool {
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }

        var offset: Int64 = 0
        var isFirstBox = true
        var header = [UInt8](repeating: 0, count: 16)
        while true {
            guard fseeko(file, off_t(offset), SEEK_SET) == 0, fread(&header, 1, 8, file) == 8 else {
                return !isFirstBox
            }
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if isFirstBox && type != "ftyp" {
                return false
            }
            if type == "moov" {
                return false
            }
            isFirstBox = false

            var size = Int64(header[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            if size == 1 {
                // A 64-bit size follows the type.
                guard fread(&header, 1, 8, file) == 8 else { return true }
                size = Int64(bitPattern: header[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            } else if size == 0 {
                // The box runs to the end of the file, so no moov follows it.
                return true
            }
            if size < 8 {
                return true
            }
            offset += size
        }
    }
}
