import CFFmpeg
import Media

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
    /// The presentation timestamp of the first frame of the leading stream, in its time base:
    /// cut times count from it. For video it is the first frame the decoder returns, as in
    /// `FrameSampler`; for an audio file it is the stream's start time.
    private(set) var origin: Int64 = 0

    /// Opens `path` and picks its streams.
    ///
    /// - Throws: `ExportError.clipFailed` when FFmpeg cannot open the file, and
    ///   `.unsupportedMedia` when it is a still image, has neither video nor audio, or its
    ///   video has no decodable frame.
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
        let containerStart = context.pointee.start_time
        let formatName = String(cString: context.pointee.iformat.pointee.name)
        if containerDuration > 0 && containerDuration != FFmpegCall.noTimestamp {
            // Matroska's segment duration and the MP4 movie duration (which includes an empty
            // edit) count from timestamp 0, so a file whose timestamps start at 10 s and run for
            // 6 s declares 16 s. FFmpeg computes other formats' durations from the start time.
            let countsFromZero = formatName.hasPrefix("matroska") || formatName.hasPrefix("mov,")
            let isOffset =
                countsFromZero && containerStart > 0 && containerStart != FFmpegCall.noTimestamp
                && containerStart < containerDuration
            let length = isOffset ? containerDuration - containerStart : containerDuration
            self.duration = Double(length) / Double(cffmpeg_time_base())
        } else {
            self.duration = nil
        }
        self.path = path
        self.formatContext = context

        guard self.video != nil || self.audio != nil else {
            throw .unsupportedMedia(path: path, reason: "the file has no video or audio stream")
        }
        if let video = self.video, MediaProbe.isStillImage(video, formatName: formatName) {
            throw .unsupportedMedia(
                path: path,
                reason: "it is a still image, and stills cannot be cut into clips; pass a video or audio file"
            )
        }
        // Let the demuxer drop every stream the clip does not keep.
        for stream in streams where stream != self.video && stream != self.audio {
            stream.pointee.discard = AVDISCARD_ALL
        }
        if let video = self.video {
            self.origin = try self.firstPresentedTimestamp(of: video)
        } else {
            self.origin = self.leadingStream.pointee.start_time == FFmpegCall.noTimestamp
                ? 0 : self.leadingStream.pointee.start_time
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
        FFmpegCall.seconds(self.origin, timeBase: self.leadingStream.pointee.time_base)
    }

    /// Decodes from the start of the file until `video` returns its first frame, and returns
    /// that frame's presentation timestamp.
    private func firstPresentedTimestamp(of video: UnsafeMutablePointer<AVStream>) throws(ExportError) -> Int64 {
        let decoder = try StreamDecoder(stream: video, path: self.path)
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let packet else {
            throw .clipFailed(path: self.path, function: "av_packet_alloc", reason: "out of memory")
        }
        var isFlushed = false
        while true {
            if try decoder.receive() {
                let timestamp = decoder.frameTimestamp
                return timestamp != FFmpegCall.noTimestamp ? timestamp : max(0, video.pointee.start_time)
            }
            if isFlushed {
                throw .unsupportedMedia(path: self.path, reason: "the video stream contains no decodable frame")
            }
            let code = av_read_frame(self.formatContext, packet)
            if code == FFmpegCall.endOfFile {
                try decoder.send(nil)
                isFlushed = true
                continue
            }
            try FFmpegCall.check(code, "av_read_frame", path: self.path)
            if packet.pointee.stream_index == video.pointee.index {
                try decoder.send(packet)
            }
            av_packet_unref(packet)
        }
    }
}
