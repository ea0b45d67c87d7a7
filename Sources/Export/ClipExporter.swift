import CFFmpeg
import Foundation

/// The cutting method of `ClipExporter`.
public enum ClipMode: String, Sendable, CaseIterable {
    /// Remux without re-encoding, starting at the keyframe at or before the start: fast and
    /// lossless, but the clip may begin earlier than requested.
    case copy
    /// Decode and encode H.264 and AAC in MP4, frame-accurate.
    case reencode
}

/// A clip written by `ClipExporter`.
public struct ExportedClip: Sendable, Equatable {
    public let outputPath: String
    /// The requested range widened by the handles and clamped to the file, in seconds from the
    /// source's first presented frame.
    public let requestedStart: Double
    public let requestedEnd: Double
    /// The clip's actual start and end in seconds from the source's first presented frame: the
    /// start of its first frame and the end of its last one. In copy mode the start is the
    /// keyframe at or before `requestedStart`.
    public let start: Double
    public let end: Double
    /// The timecode of the clip's first frame, from the source's start timecode, or nil when
    /// the source has none. It is also stored in the clip file.
    public let startTimecode: String?
}

/// Cuts clips out of media files with the FFmpeg libraries.
public enum ClipExporter {
    /// Cuts `range` widened by `handles` seconds on each side (clamped to the file) into a new
    /// file in `outputFolder`.
    ///
    /// The file is named after `range.name`, or after the source file and the times, made safe
    /// for every file system. An existing file is never replaced: a ` (2)`-style suffix is
    /// added instead. Copy mode keeps the source's container (its extension); re-encoding
    /// writes `.mp4`. A failed cut leaves no file behind.
    ///
    /// Blocks while it decodes and encodes; call it off the cooperative thread pool.
    ///
    /// - Throws: `ExportError.unsupportedMedia` for a range outside the file, a still image or
    ///   a file without video and audio, `.clipFailed` naming the FFmpeg call that failed, and `.writeFailed`
    ///   when the output file cannot be created.
    public static func export(
        _ range: ClipRange,
        mode: ClipMode,
        handles: Double,
        outputFolder: String
    ) throws(ExportError) -> ExportedClip {
        let source = try ClipSource(path: range.mediaPath)
        let duration = source.duration ?? .infinity
        guard range.start < duration else {
            throw .unsupportedMedia(
                path: range.mediaPath,
                reason: "the clip starts at \(range.start) s but the media is \(duration) s long, counted from its "
                    + "first frame; start the clip before \(duration) s"
            )
        }
        let start = max(0, range.start - handles)
        let end = min(duration, range.end + handles)

        let suffix = Self.fileExtension(mode: mode, sourcePath: range.mediaPath)
        let stem = FileNameSanitizer.safeName(Self.defaultName(for: range), fallback: "clip")
        let outputPath = try FileNameSanitizer.createUniqueFile(folder: outputFolder, stem: stem, suffix: suffix)
        do {
            let times: (start: Double, end: Double)
            switch mode {
            case .copy:
                times = try StreamCopyCut(source: source, outputPath: outputPath).run(start: start, end: end)
            case .reencode:
                times = try ReencodeCut(source: source, outputPath: outputPath).run(start: start, end: end)
            }
            return ExportedClip(
                outputPath: outputPath,
                requestedStart: start,
                requestedEnd: end,
                start: times.start,
                end: times.end,
                startTimecode: source.timecode(atSeconds: times.start)
            )
        } catch {
            unlink(outputPath)
            throw error
        }
    }

    /// Returns the client's name, or `<source name> <start>-<end>` with times in seconds.
    static func defaultName(for range: ClipRange) -> String {
        if let name = range.name, !name.trimmingCharacters(in: .whitespaces).isEmpty {
            return name
        }
        let stem = ((range.mediaPath as NSString).lastPathComponent as NSString).deletingPathExtension
        return "\(stem) \(String(format: "%.3f", range.start))-\(String(format: "%.3f", range.end))"
    }

    /// Returns `.mp4` for re-encoding; for copying, the source's extension when FFmpeg has a
    /// muxer for it, and `.mkv` (which takes almost any codec) otherwise.
    static func fileExtension(mode: ClipMode, sourcePath: String) -> String {
        guard mode == .copy else { return ".mp4" }
        let sourceExtension = (sourcePath as NSString).pathExtension.lowercased()
        guard !sourceExtension.isEmpty, av_guess_format(nil, "clip." + sourceExtension, nil) != nil else {
            return ".mkv"
        }
        return "." + sourceExtension
    }
}
