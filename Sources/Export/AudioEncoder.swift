import CFFmpeg

/// Encodes decoded audio as AAC into a clip's output stream, trimmed to the sample.
///
/// Decoded audio is resampled to the encoder's planar float format and queued in a FIFO, with the
/// source time of its first sample stored beside it. Once the clip's start (`origin`) is known, the
/// samples before it are dropped; encoding then stops after `end`.
///
/// Not thread-safe: use an instance from one thread at a time.
final class AudioEncoder {
    /// The AAC bit rate in bits per second for stereo; 96 kb/s per channel in general.
    static let bitRatePerChannel = 96_000
    /// The sample rates the AAC encoder takes; other rates are resampled to 48 kHz.
    static let aacSampleRates: Set<Int32> = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000,
    ]

    let context: UnsafeMutablePointer<AVCodecContext>
    let outputStream: UnsafeMutablePointer<AVStream>
    private let output: ClipOutput
    private let decoder: StreamDecoder
    private let packet: UnsafeMutablePointer<AVPacket>
    private let fifo: OpaquePointer
    private var resampler: OpaquePointer?
    /// The source time in seconds of the first sample in the FIFO, once audio arrived.
    private var fifoStart: Double?
    /// The clip start and end in source seconds, once known.
    private var origin: Double?
    private var end: Double?
    /// Samples already encoded, and silent samples the first frame is shifted by.
    private var encodedSamples: Int64 = 0
    private var leadingGap: Int64?

    /// Opens an AAC encoder for audio from `decoder` and adds its stream to `output`.
    init(decoder: StreamDecoder, output: ClipOutput) throws(ExportError) {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_AAC) else {
            throw .clipFailed(
                path: output.path,
                function: "avcodec_find_encoder",
                reason: "no AAC encoder in this FFmpeg build"
            )
        }
        guard let context = avcodec_alloc_context3(codec), let packet = av_packet_alloc() else {
            throw .clipFailed(path: output.path, function: "avcodec_alloc_context3", reason: "out of memory")
        }
        self.context = context
        self.packet = packet
        self.output = output
        self.decoder = decoder
        self.outputStream = try output.addStream()

        let source = decoder.context.pointee
        let channels = max(1, min(Int32(8), source.ch_layout.nb_channels))
        if source.ch_layout.order != AV_CHANNEL_ORDER_UNSPEC && source.ch_layout.nb_channels == channels {
            var layout = source.ch_layout
            try FFmpegCall.check(
                av_channel_layout_copy(&context.pointee.ch_layout, &layout),
                "av_channel_layout_copy",
                path: output.path
            )
        } else {
            av_channel_layout_default(&context.pointee.ch_layout, channels)
        }
        context.pointee.sample_rate = Self.aacSampleRates.contains(source.sample_rate) ? source.sample_rate : 48000
        context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        context.pointee.bit_rate = Int64(Self.bitRatePerChannel) * Int64(channels)
        context.pointee.time_base = AVRational(num: 1, den: context.pointee.sample_rate)
        if output.needsGlobalHeader {
            context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        try FFmpegCall.check(avcodec_open2(context, codec, nil), "avcodec_open2", path: output.path)
        try FFmpegCall.check(
            avcodec_parameters_from_context(self.outputStream.pointee.codecpar, context),
            "avcodec_parameters_from_context",
            path: output.path
        )
        self.outputStream.pointee.time_base = context.pointee.time_base
        try output.copySideData(from: decoder.stream, to: self.outputStream)

        guard let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, channels, max(1, context.pointee.frame_size)) else {
            throw .clipFailed(path: output.path, function: "av_audio_fifo_alloc", reason: "out of memory")
        }
        self.fifo = fifo
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = self.context
        avcodec_free_context(&context)
        var packet: UnsafeMutablePointer<AVPacket>? = self.packet
        av_packet_free(&packet)
        av_audio_fifo_free(self.fifo)
        swr_free(&self.resampler)
    }

    private var sampleRate: Double {
        Double(self.context.pointee.sample_rate)
    }

    /// Sets the clip's range in source seconds and drops queued samples before `origin`.
    func setRange(origin: Double, end: Double) throws(ExportError) {
        self.origin = origin
        self.end = end
        self.dropSamplesBeforeOrigin()
        try self.encodeQueued(final: false)
    }

    /// Queues the decoder's current frame, whose first sample lies at `time` source seconds.
    func append(frameAt time: Double) throws(ExportError) {
        let frame = self.decoder.frame
        if self.resampler == nil {
            try self.configureResampler(for: frame)
        }
        if self.fifoStart == nil {
            self.fifoStart = time
        }
        let capacity = swr_get_out_samples(self.resampler, frame.pointee.nb_samples) + 32
        guard let converted = av_frame_alloc() else {
            throw .clipFailed(path: self.output.path, function: "av_frame_alloc", reason: "out of memory")
        }
        var convertedFrame: UnsafeMutablePointer<AVFrame>? = converted
        defer { av_frame_free(&convertedFrame) }
        converted.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        converted.pointee.nb_samples = capacity
        var layout = self.context.pointee.ch_layout
        try FFmpegCall.check(
            av_channel_layout_copy(&converted.pointee.ch_layout, &layout),
            "av_channel_layout_copy",
            path: self.output.path
        )
        converted.pointee.sample_rate = self.context.pointee.sample_rate
        try FFmpegCall.check(av_frame_get_buffer(converted, 0), "av_frame_get_buffer", path: self.output.path)

        let input = UnsafeMutableRawPointer(frame.pointee.extended_data).assumingMemoryBound(
            to: UnsafePointer<UInt8>?.self
        )
        let count = try FFmpegCall.check(
            swr_convert(self.resampler, converted.pointee.extended_data, capacity, input, frame.pointee.nb_samples),
            "swr_convert",
            path: self.output.path
        )
        let planes = UnsafeMutableRawPointer(converted.pointee.extended_data).assumingMemoryBound(
            to: UnsafeMutableRawPointer?.self
        )
        try FFmpegCall.check(
            av_audio_fifo_write(self.fifo, planes, count),
            "av_audio_fifo_write",
            path: self.output.path
        )
        self.dropSamplesBeforeOrigin()
        try self.encodeQueued(final: false)
    }

    /// Encodes what is queued up to the clip's end and drains the encoder.
    func flush() throws(ExportError) {
        try self.encodeQueued(final: true)
        let code = avcodec_send_frame(self.context, nil)
        if code != FFmpegCall.endOfFile {
            try FFmpegCall.check(code, "avcodec_send_frame", path: self.output.path)
        }
        try self.writePackets()
    }

    private func configureResampler(for frame: UnsafeMutablePointer<AVFrame>) throws(ExportError) {
        var inputLayout = AVChannelLayout()
        if frame.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame.pointee.ch_layout.nb_channels == 0 {
            av_channel_layout_default(&inputLayout, max(frame.pointee.ch_layout.nb_channels, 1))
        } else {
            try FFmpegCall.check(
                av_channel_layout_copy(&inputLayout, &frame.pointee.ch_layout),
                "av_channel_layout_copy",
                path: self.output.path
            )
        }
        defer { av_channel_layout_uninit(&inputLayout) }
        var outputLayout = self.context.pointee.ch_layout
        try FFmpegCall.check(
            swr_alloc_set_opts2(
                &self.resampler,
                &outputLayout,
                AV_SAMPLE_FMT_FLTP,
                self.context.pointee.sample_rate,
                &inputLayout,
                AVSampleFormat(frame.pointee.format),
                frame.pointee.sample_rate,
                0,
                nil
            ),
            "swr_alloc_set_opts2",
            path: self.output.path
        )
        try FFmpegCall.check(swr_init(self.resampler), "swr_init", path: self.output.path)
    }

    private func dropSamplesBeforeOrigin() {
        guard let origin = self.origin, let fifoStart = self.fifoStart, fifoStart < origin else { return }
        let queued = av_audio_fifo_size(self.fifo)
        let drop = min(queued, Int32(((origin - fifoStart) * self.sampleRate).rounded()))
        guard drop > 0 else { return }
        av_audio_fifo_drain(self.fifo, drop)
        self.fifoStart = fifoStart + Double(drop) / self.sampleRate
    }

    /// Encodes whole encoder frames from the FIFO; with `final`, also the last partial frame.
    private func encodeQueued(final: Bool) throws(ExportError) {
        guard let origin = self.origin, let end = self.end, let fifoStart = self.fifoStart else { return }
        // Wait until the samples before the start are gone, unless no more audio will come.
        if fifoStart < origin - 0.5 / self.sampleRate && !final { return }
        if self.leadingGap == nil {
            // Audio that starts after the clip start begins that much later in the clip.
            self.leadingGap = max(0, Int64(((fifoStart - origin) * self.sampleRate).rounded()))
        }
        let gap = self.leadingGap ?? 0
        let totalSamples = Int64(((end - origin) * self.sampleRate).rounded())
        let frameSize = Int64(self.context.pointee.frame_size > 0 ? self.context.pointee.frame_size : 1024)
        while true {
            let remaining = totalSamples - gap - self.encodedSamples
            let queued = Int64(av_audio_fifo_size(self.fifo))
            let count = min(frameSize, queued, remaining)
            guard count > 0 else { return }
            if count < frameSize && !final && count < remaining { return }
            try self.encodeFrame(samples: Int32(count), timestamp: gap + self.encodedSamples)
            self.encodedSamples += count
            self.fifoStart = (self.fifoStart ?? 0) + Double(count) / self.sampleRate
        }
    }

    private func encodeFrame(samples: Int32, timestamp: Int64) throws(ExportError) {
        guard let frame = av_frame_alloc() else {
            throw .clipFailed(path: self.output.path, function: "av_frame_alloc", reason: "out of memory")
        }
        var freeing: UnsafeMutablePointer<AVFrame>? = frame
        defer { av_frame_free(&freeing) }
        frame.pointee.nb_samples = samples
        frame.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointee.sample_rate = self.context.pointee.sample_rate
        var layout = self.context.pointee.ch_layout
        try FFmpegCall.check(
            av_channel_layout_copy(&frame.pointee.ch_layout, &layout),
            "av_channel_layout_copy",
            path: self.output.path
        )
        try FFmpegCall.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer", path: self.output.path)
        let planes = UnsafeMutableRawPointer(frame.pointee.extended_data).assumingMemoryBound(
            to: UnsafeMutableRawPointer?.self
        )
        try FFmpegCall.check(
            av_audio_fifo_read(self.fifo, planes, samples),
            "av_audio_fifo_read",
            path: self.output.path
        )
        frame.pointee.pts = timestamp
        try FFmpegCall.check(avcodec_send_frame(self.context, frame), "avcodec_send_frame", path: self.output.path)
        try self.writePackets()
    }

    private func writePackets() throws(ExportError) {
        while true {
            let code = avcodec_receive_packet(self.context, self.packet)
            if code == FFmpegCall.tryAgain || code == FFmpegCall.endOfFile { return }
            try FFmpegCall.check(code, "avcodec_receive_packet", path: self.output.path)
            av_packet_rescale_ts(self.packet, self.context.pointee.time_base, self.outputStream.pointee.time_base)
            self.packet.pointee.stream_index = self.outputStream.pointee.index
            try self.output.write(self.packet)
        }
    }
}
