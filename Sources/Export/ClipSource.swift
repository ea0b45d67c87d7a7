import CFFmpeg

/// A media file opened for cutting: its format context and the video and audio streams kept
/// in clips. Closed on deinit.
///
/// Not thread-safe: use an instance from one thread at a time.
final class ClipSource {
    let path: String
    let formatContext: UnsafeMutablePointer<AVFormatContext>
    /// The primary video stream, never an attached picture (cover art); nil for audio files.
    let video: UnsafeMutablePointer<AVStream>?
    /// FFmpeg's best audio stream, or nil when the file has no audio.
    let audio: UnsafeMutablePointer<AVStream>?
    /// The duration in seconds, or nil when the container stores none.
    let duration: Double?

    /// Opens `path` and picks its streams.
    ///
    /// - Throws: `ExportError.clipFailed` when FFmpeg cannot open the file, and
    ///   `.unsupportedMedia` when it has neither video nor audio.
    init(path: String) throws(ExportError) {
        _ = FFmpegCall.quietLogging
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let openCode = avformat_open_input(&context, path, nil, nil)
        guard openCode >= 0, let context else {
            throw .clipFailed(path: path, function: "avformat_open_input", reason: FFmpegCall.errorText(openCode))
        }
        let infoCode = avformat_find_stream_info(context, nil)
        if infoCode < 0 {
            var closing: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&closing)
            throw .clipFailed(path: path, function: "avformat_find_stream_info", reason: FFmpegCall.errorText(infoCode))
        }

        let streams = (0..<Int(context.pointee.nb_streams)).compactMap { context.pointee.streams[$0] }
        let isAttachedPicture = { (stream: UnsafeMutablePointer<AVStream>) in
            (stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0
        }
        let bestVideo = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        if bestVideo >= 0, !isAttachedPicture(streams[Int(bestVideo)]) {
            self.video = streams[Int(bestVideo)]
        } else {
            self.video = streams.first {
                $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO && !isAttachedPicture($0)
            }
        }
        let bestAudio = av_find_best_stream(context, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        self.audio = bestAudio >= 0 ? streams[Int(bestAudio)] : nil

        let containerDuration = context.pointee.duration
        self.duration =
            containerDuration > 0 && containerDuration != FFmpegCall.noTimestamp
            ? Double(containerDuration) / Double(cffmpeg_time_base()) : nil
        self.path = path
        self.formatContext = context

        guard self.video != nil || self.audio != nil else {
            throw .unsupportedMedia(path: path, reason: "the file has no video or audio stream")
        }
        // Let the demuxer drop every stream the clip does not keep.
        for stream in streams where stream != self.video && stream != self.audio {
            stream.pointee.discard = AVDISCARD_ALL
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = self.formatContext
        avformat_close_input(&context)
    }

    /// The stream that decides where a cut starts: the video, or the audio of an audio file.
    var leadingStream: UnsafeMutablePointer<AVStream> {
        // The initializer rejects files with neither stream.
        self.video ?? self.audio!
    }

    /// Seeks so that the next packets of the leading stream start at the keyframe at or before
    /// `seconds`. Demuxers may land further back (a sparse index, an open GOP).
    func seek(toKeyframeAtOrBefore seconds: Double) throws(ExportError) {
        let stream = self.leadingStream
        let startTime = stream.pointee.start_time == FFmpegCall.noTimestamp ? 0 : stream.pointee.start_time
        let target = startTime + FFmpegCall.timestamp(seconds: seconds, timeBase: stream.pointee.time_base)
        try FFmpegCall.check(
            av_seek_frame(self.formatContext, stream.pointee.index, target, AVSEEK_FLAG_BACKWARD),
            "av_seek_frame",
            path: self.path
        )
    }

    /// The `timecode` tag of the video stream, the container or a timecode (`tmcd`) stream.
    var startTimecode: Timecode? {
        let streams = (0..<Int(self.formatContext.pointee.nb_streams)).compactMap {
            self.formatContext.pointee.streams[$0]
        }
        let dictionaries =
            [self.video?.pointee.metadata, self.formatContext.pointee.metadata] + streams.map(\.pointee.metadata)
        for dictionary in dictionaries {
            if let entry = av_dict_get(dictionary, "timecode", nil, 0), let value = entry.pointee.value {
                return Timecode(String(cString: value))
            }
        }
        return nil
    }

    /// Returns the timecode of the frame `seconds` after the start, or nil when the file has no
    /// start timecode or no video frame rate.
    func timecode(atSeconds seconds: Double) -> String? {
        guard let start = self.startTimecode, let video = self.video else { return nil }
        let rate = video.pointee.avg_frame_rate.num > 0 ? video.pointee.avg_frame_rate : video.pointee.r_frame_rate
        guard rate.num > 0, rate.den > 0 else { return nil }
        let framesPerSecond = Double(rate.num) / Double(rate.den)
        let timebase = Int(framesPerSecond.rounded())
        let frame = start.frameNumber(timebase: timebase) + Int((seconds * framesPerSecond).rounded())
        return Timecode(frameNumber: frame, timebase: timebase, dropFrame: start.dropFrame).text
    }

    /// The first presentation time of the leading stream in seconds. Cut times of every stream
    /// count from it, so audio stays in sync with video when the streams start at different times.
    var originSeconds: Double {
        let leading = self.leadingStream
        return FFmpegCall.seconds(self.startTimestamp(of: leading), timeBase: leading.pointee.time_base)
    }

    /// Returns the first presentation timestamp of `stream`, which cut times count from, or 0 when unset.
    func startTimestamp(of stream: UnsafeMutablePointer<AVStream>) -> Int64 {
        stream.pointee.start_time == FFmpegCall.noTimestamp ? 0 : stream.pointee.start_time
    }
}
