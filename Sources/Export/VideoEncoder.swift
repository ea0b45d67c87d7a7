import CFFmpeg

/// Encodes decoded video frames as H.264 with libx264 into a clip's output stream, converting
/// them to 8-bit 4:2:0 at even dimensions first when needed.
///
/// Not thread-safe: use an instance from one thread at a time.
final class VideoEncoder {
    /// x264's constant rate factor: 18 is visually close to lossless for most footage, a common
    /// choice for intermediate clips that get edited again.
    static let constantRateFactor = "18"
    /// x264's speed preset: `veryfast` costs a few percent of size over `medium` at this CRF
    /// and encodes several times faster.
    static let preset = "veryfast"

    let context: UnsafeMutablePointer<AVCodecContext>
    let outputStream: UnsafeMutablePointer<AVStream>
    private let output: ClipOutput
    private let converted: UnsafeMutablePointer<AVFrame>
    private let packet: UnsafeMutablePointer<AVPacket>
    private var scaleContext: OpaquePointer?

    /// Opens the encoder for frames from `decoder` and adds its stream to `output`, copying the
    /// input stream's display matrix so a rotated phone clip still displays upright.
    init(decoder: StreamDecoder, output: ClipOutput) throws(ExportError) {
        guard let codec = avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_H264) else {
            throw .clipFailed(
                path: output.path,
                function: "avcodec_find_encoder",
                reason: "no H.264 encoder in this FFmpeg build"
            )
        }
        guard let context = avcodec_alloc_context3(codec), let converted = av_frame_alloc(),
            let packet = av_packet_alloc()
        else {
            throw .clipFailed(path: output.path, function: "avcodec_alloc_context3", reason: "out of memory")
        }
        self.context = context
        self.converted = converted
        self.packet = packet
        self.output = output
        self.outputStream = try output.addStream()

        let source = decoder.context.pointee
        let input = decoder.stream.pointee
        context.pointee.width = source.width & ~1
        context.pointee.height = source.height & ~1
        // NOTE: 10-bit and HDR sources become 8-bit 4:2:0 with their colour tags copied, so HDR
        // clips keep their transfer tag but lose precision.
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = input.time_base
        context.pointee.framerate = input.avg_frame_rate.num > 0 ? input.avg_frame_rate : input.r_frame_rate
        context.pointee.sample_aspect_ratio = source.sample_aspect_ratio
        context.pointee.color_range = source.color_range
        context.pointee.color_primaries = source.color_primaries
        context.pointee.color_trc = source.color_trc
        context.pointee.colorspace = source.colorspace
        if output.needsGlobalHeader {
            context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options: OpaquePointer? = nil
        av_dict_set(&options, "preset", Self.preset, 0)
        av_dict_set(&options, "crf", Self.constantRateFactor, 0)
        defer { av_dict_free(&options) }
        try FFmpegCall.check(avcodec_open2(context, codec, &options), "avcodec_open2", path: output.path)
        try FFmpegCall.check(
            avcodec_parameters_from_context(self.outputStream.pointee.codecpar, context),
            "avcodec_parameters_from_context",
            path: output.path
        )
        self.outputStream.pointee.time_base = context.pointee.time_base
        self.outputStream.pointee.avg_frame_rate = context.pointee.framerate
        self.outputStream.pointee.sample_aspect_ratio = source.sample_aspect_ratio
        try output.copySideData(from: decoder.stream, to: self.outputStream)
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = self.context
        avcodec_free_context(&context)
        var converted: UnsafeMutablePointer<AVFrame>? = self.converted
        av_frame_free(&converted)
        var packet: UnsafeMutablePointer<AVPacket>? = self.packet
        av_packet_free(&packet)
        sws_freeContext(self.scaleContext)
    }

    /// Encodes `frame` at output timestamp `timestamp` (encoder time base, from 0).
    func encode(_ frame: UnsafeMutablePointer<AVFrame>, timestamp: Int64) throws(ExportError) {
        let target = try self.convertedIfNeeded(frame)
        target.pointee.pts = timestamp
        target.pointee.pict_type = AV_PICTURE_TYPE_NONE
        try FFmpegCall.check(avcodec_send_frame(self.context, target), "avcodec_send_frame", path: self.output.path)
        try self.writePackets()
    }

    /// Drains the encoder's delayed frames into the output.
    func flush() throws(ExportError) {
        let code = avcodec_send_frame(self.context, nil)
        if code != FFmpegCall.endOfFile {
            try FFmpegCall.check(code, "avcodec_send_frame", path: self.output.path)
        }
        try self.writePackets()
    }

    private func writePackets() throws(ExportError) {
        while true {
            let code = avcodec_receive_packet(self.context, self.packet)
            if code == FFmpegCall.tryAgain || code == FFmpegCall.endOfFile { return }
            try FFmpegCall.check(code, "avcodec_receive_packet", path: self.output.path)
            // libx264 leaves durations unset, and the MP4 muxer would then give the last frame none.
            if self.packet.pointee.duration == 0 && self.context.pointee.framerate.num > 0 {
                self.packet.pointee.duration = av_rescale_q(
                    1,
                    av_inv_q(self.context.pointee.framerate),
                    self.context.pointee.time_base
                )
            }
            av_packet_rescale_ts(self.packet, self.context.pointee.time_base, self.outputStream.pointee.time_base)
            self.packet.pointee.stream_index = self.outputStream.pointee.index
            try self.output.write(self.packet)
        }
    }

    /// Returns `frame` itself when the encoder takes it as is, or a 4:2:0 copy at even size.
    private func convertedIfNeeded(
        _ frame: UnsafeMutablePointer<AVFrame>
    ) throws(ExportError) -> UnsafeMutablePointer<AVFrame> {
        let width = self.context.pointee.width
        let height = self.context.pointee.height
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        if format == AV_PIX_FMT_YUV420P && frame.pointee.width == width && frame.pointee.height == height {
            return frame
        }

        self.scaleContext = sws_getCachedContext(
            self.scaleContext,
            frame.pointee.width,
            frame.pointee.height,
            format,
            width,
            height,
            AV_PIX_FMT_YUV420P,
            SWS_BICUBIC,
            nil,
            nil,
            nil
        )
        guard self.scaleContext != nil else {
            throw .clipFailed(
                path: self.output.path,
                function: "sws_getCachedContext",
                reason: "unsupported pixel format \(frame.pointee.format)"
            )
        }

        if self.converted.pointee.data.0 == nil {
            self.converted.pointee.format = AV_PIX_FMT_YUV420P.rawValue
            self.converted.pointee.width = width
            self.converted.pointee.height = height
            try FFmpegCall.check(av_frame_get_buffer(self.converted, 0), "av_frame_get_buffer", path: self.output.path)
        }
        // The encoder may still reference the previous picture; this copies it away if so.
        try FFmpegCall.check(av_frame_make_writable(self.converted), "av_frame_make_writable", path: self.output.path)

        let source = Self.planes(of: frame)
        let target = Self.planes(of: self.converted)
        sws_scale(
            self.scaleContext,
            UnsafeRawPointer(source.data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
            source.strides,
            0,
            frame.pointee.height,
            target.data,
            target.strides
        )
        return self.converted
    }

    /// Returns pointers to a frame's `data` and `linesize` arrays, which Swift imports as
    /// tuples, in the form `sws_scale` takes.
    private static func planes(
        of frame: UnsafeMutablePointer<AVFrame>
    ) -> (data: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, strides: UnsafeMutablePointer<Int32>) {
        let base = UnsafeMutableRawPointer(frame)
        let data = base.advanced(by: MemoryLayout<AVFrame>.offset(of: \AVFrame.data)!)
        let strides = base.advanced(by: MemoryLayout<AVFrame>.offset(of: \AVFrame.linesize)!)
        return (
            data.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
            strides.assumingMemoryBound(to: Int32.self)
        )
    }
}
