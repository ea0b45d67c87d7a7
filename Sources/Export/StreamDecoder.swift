import CFFmpeg

/// A decoder for one input stream, feeding packets and returning frames in presentation order.
///
/// Not thread-safe: use an instance from one thread at a time.
final class StreamDecoder {
    let stream: UnsafeMutablePointer<AVStream>
    let context: UnsafeMutablePointer<AVCodecContext>
    let frame: UnsafeMutablePointer<AVFrame>
    private let path: String

    /// Opens a decoder for `stream` of the file at `path`.
    ///
    /// - Throws: `ExportError.unsupportedMedia` when FFmpeg has no decoder for the codec, and
    ///   `.clipFailed` when opening it fails.
    init(stream: UnsafeMutablePointer<AVStream>, path: String) throws(ExportError) {
        let parameters = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw .unsupportedMedia(path: path, reason: "FFmpeg has no decoder for codec '\(name)'")
        }
        guard let context = avcodec_alloc_context3(codec), let frame = av_frame_alloc() else {
            throw .clipFailed(path: path, function: "avcodec_alloc_context3", reason: "out of memory")
        }
        self.stream = stream
        self.context = context
        self.frame = frame
        self.path = path
        try FFmpegCall.check(
            avcodec_parameters_to_context(context, parameters),
            "avcodec_parameters_to_context",
            path: path
        )
        context.pointee.pkt_timebase = stream.pointee.time_base
        context.pointee.thread_count = 2
        try FFmpegCall.check(avcodec_open2(context, codec, nil), "avcodec_open2", path: path)
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = self.context
        avcodec_free_context(&context)
        var frame: UnsafeMutablePointer<AVFrame>? = self.frame
        av_frame_free(&frame)
    }

    /// Sends a packet, or nil to flush. Damaged packets are skipped: the decoder conceals them.
    func send(_ packet: UnsafeMutablePointer<AVPacket>?) throws(ExportError) {
        let code = avcodec_send_packet(self.context, packet)
        let isExpected =
            code >= 0 || code == FFmpegCall.tryAgain || code == FFmpegCall.endOfFile || code == FFmpegCall.invalidData
        if !isExpected {
            try FFmpegCall.check(code, "avcodec_send_packet", path: self.path)
        }
    }

    /// Receives the next frame into `frame` and returns true, or returns false when the decoder
    /// needs more input or is drained.
    func receive() throws(ExportError) -> Bool {
        let code = avcodec_receive_frame(self.context, self.frame)
        if code == FFmpegCall.tryAgain || code == FFmpegCall.endOfFile {
            return false
        }
        try FFmpegCall.check(code, "avcodec_receive_frame", path: self.path)
        self.frameTimestamp = self.timestamp(of: self.frame)
        return true
    }

    /// The presentation timestamp of the received frame in stream time base units.
    private(set) var frameTimestamp: Int64 = FFmpegCall.noTimestamp

    /// Returns the frame's PTS, or else one frame after the previous frame, or else its
    /// best-effort timestamp. MPEG-PS stores a PTS on only some frames, and FFmpeg's guesses
    /// for the others can be a frame off after a seek, so they count on from the last frame.
    private func timestamp(of frame: UnsafeMutablePointer<AVFrame>) -> Int64 {
        if frame.pointee.pts != FFmpegCall.noTimestamp {
            return frame.pointee.pts
        }
        let previous = self.frameTimestamp
        if previous != FFmpegCall.noTimestamp {
            return previous + max(1, self.duration(of: frame))
        }
        return frame.pointee.best_effort_timestamp
    }

    /// Returns the frame's duration in stream time base units: the packet's, or else from the
    /// audio sample count or the video frame rate, or 0 when none is known.
    private func duration(of frame: UnsafeMutablePointer<AVFrame>) -> Int64 {
        let timeBase = self.stream.pointee.time_base
        if frame.pointee.pkt_duration > 0 {
            return frame.pointee.pkt_duration
        }
        if frame.pointee.nb_samples > 0 && frame.pointee.sample_rate > 0 {
            return av_rescale_q(Int64(frame.pointee.nb_samples), AVRational(num: 1, den: frame.pointee.sample_rate), timeBase)
        }
        let rate = self.stream.pointee.avg_frame_rate
        guard rate.num > 0, rate.den > 0 else { return 0 }
        return av_rescale_q(1, av_inv_q(rate), timeBase)
    }
}
