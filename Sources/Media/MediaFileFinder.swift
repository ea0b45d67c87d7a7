import Foundation

/// Finds media files in folders by file extension.
public enum MediaFileFinder {
    /// Extensions (lower-case, without the dot) of the video, audio and image formats that
    /// FFmpeg 5.1 reads. HEIC, R3D and BRAW are absent because it cannot decode them.
    public static let mediaExtensions: Set<String> = [
        // video
        "mp4", "m4v", "mov", "qt", "mkv", "webm", "avi", "mxf", "mts", "m2ts", "ts", "mpg", "mpeg",
        "wmv", "flv", "3gp", "3g2", "ogv", "dv", "vob",
        // audio
        "mp3", "wav", "aac", "m4a", "flac", "ogg", "oga", "opus", "wma", "aif", "aiff", "caf", "ac3",
        // image
        "jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif",
    ]

    /// Suffixes of files that browsers and copy tools write while a download or copy is running.
    public static let incompleteSuffixes = [".part", ".crdownload", ".tmp", ".download", ".partial"]

    /// Returns true when the file name has a media extension (case-insensitive) and is neither
    /// hidden (leading dot) nor an incomplete download or copy.
    public static func isLikelyMedia(path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        if name.hasPrefix(".") {
            return false
        }
        let lowercased = name.lowercased()
        if self.incompleteSuffixes.contains(where: { lowercased.hasSuffix($0) }) {
            return false
        }
        let fileExtension = (lowercased as NSString).pathExtension
        return self.mediaExtensions.contains(fileExtension)
    }

    /// Lists the media files in `folder`, as absolute paths sorted by their UTF-8 bytes.
    /// Hidden files and folders are skipped; symbolic links to files are listed.
    ///
    /// - Parameters:
    ///   - folder: the folder to list.
    ///   - recursive: whether to descend into subfolders.
    /// - Throws: `MediaError.fileNotFound` when the folder does not exist, `.notAFolder` when it
    ///   is a file, `.unreadable` when it cannot be listed.
    public static func mediaFiles(inFolder folder: String, recursive: Bool) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw MediaError.fileNotFound(path: folder)
        }
        guard isDirectory.boolValue else {
            throw MediaError.notAFolder(path: folder)
        }

        let root = URL(fileURLWithPath: folder).standardizedFileURL
        var found: [String] = []
        if recursive {
            guard
                let enumerator = FileManager.default.enumerator(
                    at: root,
                    includingPropertiesForKeys: [.isRegularFileKey],
                    options: [.skipsHiddenFiles]
                )
            else {
                throw MediaError.unreadable(path: folder, reason: "the folder could not be listed")
            }
            for case let url as URL in enumerator where self.isLikelyMedia(path: url.path) {
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    found.append(url.path)
                }
            }
        } else {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: root.path)
            } catch {
                throw MediaError.unreadable(path: folder, reason: "the folder could not be listed: \(error)")
            }
            for name in names where self.isLikelyMedia(path: name) {
                let path = root.appendingPathComponent(name).path
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                    found.append(path)
                }
            }
        }
        return found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
