/// An error of the media layer. Every case carries the path of the file that failed.
public enum MediaError: Error, Sendable {
    /// No file or folder exists at the path.
    case fileNotFound(path: String)
    /// The path names a folder or another non-regular file.
    case notAFile(path: String)
    /// A path that should name a folder names a file.
    case notAFolder(path: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// The file exists but could not be read or opened, for the given `reason`.
    case unreadable(path: String, reason: String)
    /// The file is not media that FFmpeg can read, or has no stream this layer can use.
    case unsupported(path: String, reason: String)
    /// Decoding, converting or seeking failed part-way; `function` is the C call that failed.
    case decodeFailed(path: String, function: String, reason: String)
    /// Audio was requested from a file that has no audio stream.
    case noAudioStream(path: String)
    /// The decoded picture is larger than the configured limit.
    case imageTooLarge(path: String, width: Int, height: Int, maxPixels: Int)
    /// JPEG compression failed; `reason` is libturbojpeg's message.
    case encodeFailed(reason: String)
    /// A frame was requested at or after the end of the video. Both times are in seconds from
    /// the first presented frame.
    case timeBeyondEnd(path: String, requestedSeconds: Double, durationSeconds: Double)

    /// The path of the file that failed, or nil for an encoding error that has no file.
    public var path: String? {
        switch self {
        case .fileNotFound(let path), .notAFile(let path), .notAFolder(let path), .emptyFile(let path):
            path
        case .unreadable(let path, _), .unsupported(let path, _), .noAudioStream(let path):
            path
        case .decodeFailed(let path, _, _), .imageTooLarge(let path, _, _, _):
            path
        case .timeBeyondEnd(let path, _, _):
            path
        case .encodeFailed:
            nil
        }
    }
}

extension MediaError: CustomStringConvertible {
    /// One line saying what failed, on which file, and what to do.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "'\(path)' was not found: check the path and that the drive or share is mounted"
        case .notAFile(let path):
            "'\(path)' is a folder or special file, not a media file: pass the path of a file"
        case .notAFolder(let path):
            "'\(path)' is a file, not a folder: pass the folder that contains the media"
        case .emptyFile(let path):
            "'\(path)' is empty (0 bytes): it is not a media file; re-export or re-copy it"
        case .unreadable(let path, let reason):
            "'\(path)' could not be opened: \(reason)"
        case .unsupported(let path, let reason):
            "'\(path)' is not a media file FFmpeg can read (\(reason))"
        case .noAudioStream(let path):
            "'\(path)' has no audio stream: pass a file with sound, or analyse it without speech"
        case .decodeFailed(let path, let function, let reason):
            "'\(path)' failed to decode: \(function) returned '\(reason)'; the file may be corrupt or truncated"
        case .imageTooLarge(let path, let width, let height, let maxPixels):
            "'\(path)' is \(width)x\(height) pixels, more than the maximum of \(maxPixels) pixels: downscale it first"
        case .encodeFailed(let reason):
            "JPEG encoding failed: \(reason)"
        case .timeBeyondEnd(let path, let requested, let duration):
            "'\(path)' has no frame at \(Self.format(requested)) s because the video is \(Self.format(duration)) s "
                + "long, counted from its first frame: ask for a time below \(Self.format(duration)) s"
        }
    }

    /// Formats seconds with up to three decimals and no trailing zeros, such as `7` or `6.96`.
    private static func format(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        var fraction = String(abs(milliseconds) % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") {
            fraction.removeLast()
        }
        let whole = (milliseconds < 0 ? "-" : "") + String(abs(milliseconds) / 1000)
        return fraction.isEmpty ? whole : whole + "." + fraction
    }
}
