import CFFmpeg

/// Decodes the primary video stream of an `InputFile`, with seeking to keyframes.
///
/// Not thread-safe: use an instance from one thread at a time.
final class VideoDecoder {
    let input: InputFile
    let stream: UnsafeMutablePointer<AVStream>
    let codecContext: UnsafeMutablePointer<AVCodecContext>
    /// The time base of the stream's timestamps, in seconds per unit.
    let timeBase: AVRational
    /// The display orientation from the stream's display matrix or a JPEG's EXIF tag.
    let orientation: DisplayOrientation

    /// Packets presented before this timestamp (stream time base) are decoded with
    /// `skip_frame = AVDISCARD_NONREF`: the decoder drops them when no other frame references
    /// them. Callers raise it to skip frames they will not use; `Int64.min` skips nothing.
    var nonReferenceSkipLimit = Int64.min

    /// The largest picture decoded, in pixels: 200 million, above the 151 MP of the largest
    /// medium-format camera sensors, and below FFmpeg's own limit of about 268 million
    /// (`av_image_check_size`), so an oversized picture gets this error rather than FFmpeg's.
    static let maxPixels = 200_000_000

    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private var isDemuxerFinished = false
    private var isDecoderFinished = false

    /// Opens a decoder for the primary video stream of `input`, using `threadCount` frame threads.
    /// `skipsLoopFilter` turns off the deblocking filter of H.264 and HEVC, which is faster and
    /// leaves small block edges: good enough for analysis that looks at coarse statistics.
    ///
    /// - Throws: `MediaError.unsupported` when the file has no video stream or no decoder for
    ///   its codec, `.imageTooLarge` above `maxPixels`, and `.decodeFailed` when an FFmpeg call
    ///   fails.
    init(input: InputFile, threadCount: Int32 = 2, skipsLoopFilter: Bool = false) throws(MediaError) {
        guard let stream = input.primaryVideoStream() else {
            throw MediaError.unsupported(path: input.path, reason: "the file has no video stream")
        }
        let parameters = stream.pointee.codecpar!
        try Self.checkSize(
            width: Int(parameters.pointee.width),
            height: Int(parameters.pointee.height),
            path: input.path
        )
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw MediaError.unsupported(path: input.path, reason: "no decoder for codec '\(name)'")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw MediaError.decodeFailed(path: input.path, function: "avcodec_alloc_context3", reason: "out of memory")
        }
        var contextForCleanup: UnsafeMutablePointer<AVCodecContext>? = context
        do {
            try FFmpegSupport.check(
                avcodec_parameters_to_context(context, parameters),
                "avcodec_parameters_to_context",
                path: input.path
            )
            context.pointee.thread_count = threadCount
            context.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
            context.pointee.pkt_timebase = stream.pointee.time_base
            if skipsLoopFilter {
                context.pointee.skip_loop_filter = AVDISCARD_ALL
            }
            try FFmpegSupport.check(avcodec_open2(context, codec, nil), "avcodec_open2", path: input.path)
        } catch {
            avcodec_free_context(&contextForCleanup)
            throw error
        }

        // Let the demuxer drop the packets of every other stream without handing them over.
        for other in input.streams where other != stream {
            other.pointee.discard = AVDISCARD_ALL
        }

        self.input = input
        self.stream = stream
        self.codecContext = context
        self.timeBase = stream.pointee.time_base
        self.orientation = input.displayOrientation(of: stream)
        self.packet = av_packet_alloc()
        self.frame = av_frame_alloc()
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = self.codecContext
        avcodec_free_context(&context)
        var packet: UnsafeMutablePointer<AVPacket>? = self.packet
        av_packet_free(&packet)
        var frame: UnsafeMutablePointer<AVFrame>? = self.frame
        av_frame_free(&frame)
    }

    var path: String {
        self.input.path
    }

    /// Decodes the next frame in presentation order, or returns nil at the end of the stream.
    ///
    /// The returned frame belongs to the decoder and stays valid until the next call to
    /// `decodeNextFrame` or `seek`. Move its reference out with `av_frame_move_ref` to keep it.
    ///
    /// - Throws: `MediaError.decodeFailed` naming the failing call.
    func decodeNextFrame() throws(MediaError) -> UnsafeMutablePointer<AVFrame>? {
        while !self.isDecoderFinished {
            let receiveCode = avcodec_receive_frame(self.codecContext, self.frame)
            if receiveCode >= 0 {
                try self.checkSize(width: Int(self.frame.pointee.width), height: Int(self.frame.pointee.height))
                return self.frame
            }
            if receiveCode == FFmpegSupport.endOfFile {
                self.isDecoderFinished = true
                return nil
            }
            if receiveCode != FFmpegSupport.tryAgain {
                try FFmpegSupport.check(receiveCode, "avcodec_receive_frame", path: self.path)
            }
            try self.sendNextPacket()
        }
        return nil
    }

    /// Seeks to the keyframe presented at or before `timestamp` and resets the decoder, so the
    /// next decoded frame is that keyframe or a frame shortly after it. `timestamp` is a
    /// presentation time in stream time base units. Demuxers may land further back when that
    /// keyframe cannot start decoding, such as an open-GOP frame.
    ///
    /// - Throws: `MediaError.decodeFailed` when `av_seek_frame` fails.
    func seek(toKeyframeAtOrBefore timestamp: Int64) throws(MediaError) {
        let index = self.stream.pointee.index
        try FFmpegSupport.check(
            av_seek_frame(self.input.formatContext, index, timestamp, AVSEEK_FLAG_BACKWARD),
            "av_seek_frame",
            path: self.path
        )
        avcodec_flush_buffers(self.codecContext)
        self.isDemuxerFinished = false
        self.isDecoderFinished = false
    }

    /// Seeks back to the start of the file and resets the decoder. Formats that seek by a
    /// binary search over timestamps (MPEG-TS, MPEG-PS) can land after the first keyframe when
    /// asked for the first timestamp, so they seek to byte 0; indexed formats (MP4, Matroska)
    /// seek to the stream's start time.
    ///
    /// - Throws: `MediaError.decodeFailed` when `av_seek_frame` fails.
    func seekToStart() throws(MediaError) {
        let format = self.input.formatContext.pointee.iformat.pointee
        let seeksByBinarySearch = format.read_timestamp != nil && (format.flags & AVFMT_NO_BYTE_SEEK) == 0
        let code: Int32
        if seeksByBinarySearch {
            code = av_seek_frame(self.input.formatContext, -1, 0, AVSEEK_FLAG_BYTE)
        } else {
            let startTime = self.stream.pointee.start_time
            let start = startTime == FFmpegSupport.noTimestamp ? 0 : startTime
            code = av_seek_frame(self.input.formatContext, self.stream.pointee.index, start, AVSEEK_FLAG_BACKWARD)
        }
        try FFmpegSupport.check(code, "av_seek_frame", path: self.path)
        avcodec_flush_buffers(self.codecContext)
        self.isDemuxerFinished = false
        self.isDecoderFinished = false
    }

    /// Returns the timestamp of the last keyframe at or before `timestamp` according to the
    /// demuxer's index, or nil when the index has no such entry (or no index exists). The
    /// index stores decoding timestamps, which for a keyframe are at or slightly below its
    /// presentation timestamp.
    func indexedKeyframe(atOrBefore timestamp: Int64) -> Int64? {
        guard avformat_index_get_entries_count(self.stream) > 0,
            let entry = avformat_index_get_entry_from_timestamp(self.stream, timestamp, AVSEEK_FLAG_BACKWARD)
        else {
            return nil
        }
        guard (entry.pointee.flags & AVINDEX_KEYFRAME) != 0 else { return nil }
        return entry.pointee.timestamp
    }

    private func checkSize(width: Int, height: Int) throws(MediaError) {
        try Self.checkSize(width: width, height: height, path: self.path)
    }

    private static func checkSize(width: Int, height: Int, path: String) throws(MediaError) {
        if width * height > self.maxPixels {
            throw MediaError.imageTooLarge(path: path, width: width, height: height, maxPixels: self.maxPixels)
        }
    }

    private func sendNextPacket() throws(MediaError) {
        if self.isDemuxerFinished {
            // The flush packet was sent already; receive_frame drains until AVERROR_EOF.
            return
        }
        while true {
            let readCode = av_read_frame(self.input.formatContext, self.packet)
            if readCode == FFmpegSupport.endOfFile {
                self.isDemuxerFinished = true
                try self.send(nil)
                return
            }
            try FFmpegSupport.check(readCode, "av_read_frame", path: self.path)
            defer { av_packet_unref(self.packet) }
            if self.packet.pointee.stream_index != self.stream.pointee.index {
                continue
            }
            let timestamp =
                self.packet.pointee.pts != FFmpegSupport.noTimestamp
                ? self.packet.pointee.pts : self.packet.pointee.dts
            // Frame threads copy skip_frame from this context when each packet is submitted.
            let isSkippable = timestamp != FFmpegSupport.noTimestamp && timestamp < self.nonReferenceSkipLimit
            self.codecContext.pointee.skip_frame = isSkippable ? AVDISCARD_NONREF : AVDISCARD_DEFAULT
            try self.send(self.packet)
            return
        }
    }

    private func send(_ packet: UnsafeMutablePointer<AVPacket>?) throws(MediaError) {
        let code = avcodec_send_packet(self.codecContext, packet)
        // Invalid data in one packet is a damaged frame, not a reason to give up on the file,
        // because the decoder conceals it and later frames still decode.
        if code < 0 && code != FFmpegSupport.tryAgain && code != FFmpegSupport.invalidData
            && code != FFmpegSupport.endOfFile
        {
            try FFmpegSupport.check(code, "avcodec_send_packet", path: self.path)
        }
    }
}
