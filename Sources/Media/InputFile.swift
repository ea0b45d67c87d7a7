import CFFmpeg

/// An opened media file: the owner of one `AVFormatContext`, closed on deinit.
///
/// Not thread-safe: use an instance from one thread at a time.
final class InputFile {
    let path: String
    let fileSize: Int64
    let formatContext: UnsafeMutablePointer<AVFormatContext>

    /// Opens `path` and reads its stream information.
    ///
    /// - Throws: `MediaError.fileNotFound`, `.notAFile` or `.emptyFile` from the file-system
    ///   checks. `.unreadable` when a recording has no moov atom or the file cannot be read, and
    ///   `.unsupported` when FFmpeg does not recognise the data.
    init(path: String) throws(MediaError) {
        _ = FFmpegSupport.quietLogging
        self.path = path
        self.fileSize = try MediaFileCheck.nonEmptyFileSize(atPath: path)

        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let openCode = avformat_open_input(&context, path, nil, nil)
        guard openCode >= 0, let context else {
            throw Self.openError(path: path, code: openCode)
        }
        self.formatContext = context

        let infoCode = avformat_find_stream_info(context, nil)
        if infoCode < 0 {
            var closing: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&closing)
            throw MediaError.unreadable(
                path: path,
                reason: "avformat_find_stream_info returned '\(FFmpegSupport.errorText(infoCode))'"
            )
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = self.formatContext
        avformat_close_input(&context)
    }

    /// The streams of the file, in container order.
    var streams: [UnsafeMutablePointer<AVStream>] {
        let count = Int(self.formatContext.pointee.nb_streams)
        guard count > 0, let streams = self.formatContext.pointee.streams else { return [] }
        return (0..<count).compactMap { streams[$0] }
    }

    /// The short name of the demuxer FFmpeg chose, such as `mov,mp4,m4a,3gp,3g2,mj2` or `png_pipe`.
    var formatName: String {
        guard let format = self.formatContext.pointee.iformat, let name = format.pointee.name else {
            return ""
        }
        return String(cString: name)
    }

    /// The container's duration in seconds, or nil when it states none. Matroska counts it
    /// from timestamp 0 rather than from the first frame, so it can exceed the media's length.
    var durationSeconds: Double? {
        let duration = self.formatContext.pointee.duration
        guard duration > 0, duration != FFmpegSupport.noTimestamp else { return nil }
        return Double(duration) / Double(cffmpeg_time_base())
    }

    /// Returns the video stream to decode: FFmpeg's best video stream, never an attached picture
    /// (cover art), or nil when the file has no video.
    func primaryVideoStream() -> UnsafeMutablePointer<AVStream>? {
        let best = av_find_best_stream(self.formatContext, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        let streams = self.streams
        if best >= 0, Int(best) < streams.count, !Self.isAttachedPicture(streams[Int(best)]) {
            return streams[Int(best)]
        }
        return streams.first { stream in
            stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO && !Self.isAttachedPicture(stream)
        }
    }

    /// Returns FFmpeg's best audio stream, or nil when the file has no audio.
    func primaryAudioStream() -> UnsafeMutablePointer<AVStream>? {
        let best = av_find_best_stream(self.formatContext, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        let streams = self.streams
        guard best >= 0, Int(best) < streams.count else { return nil }
        return streams[Int(best)]
    }

    /// Returns how `stream` is turned for display: its display matrix, or for a JPEG picture
    /// without one, the file's EXIF orientation.
    func displayOrientation(of stream: UnsafeMutablePointer<AVStream>) -> DisplayOrientation {
        if let orientation = DisplayOrientation(displayMatrixOf: stream) {
            return orientation
        }
        let isJPEG = stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_MJPEG
        let isSinglePicture = self.formatName == "image2" || self.formatName.hasSuffix("_pipe")
        if isJPEG && isSinglePicture, let orientation = ExifOrientation.read(path: self.path) {
            return orientation
        }
        return .upright
    }

    /// Returns true for a stream that is a still picture attached to the file, such as cover art.
    static func isAttachedPicture(_ stream: UnsafeMutablePointer<AVStream>) -> Bool {
        (stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0
    }

    private static func openError(path: String, code: Int32) -> MediaError {
        if code == FFmpegSupport.invalidData && MediaFileCheck.isMP4MissingMoov(atPath: path) {
            return .unreadable(
                path: path,
                reason: "moov atom not found (the file is truncated or still being written)"
            )
        }
        if code == FFmpegSupport.invalidData {
            return .unsupported(path: path, reason: FFmpegSupport.errorText(code))
        }
        return .unreadable(
            path: path,
            reason: "avformat_open_input returned '\(FFmpegSupport.errorText(code))'"
        )
    }
}
