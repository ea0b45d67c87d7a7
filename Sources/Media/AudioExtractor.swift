import CFFmpeg
import JumperCore

/// Audio of one stream of a media file as 16 kHz mono float samples.
public struct ExtractedAudio: Sendable {
    public var samples: [Float]
    /// Index of the decoded stream in the container.
    public var streamIndex: Int
    /// Number of audio streams in the container.
    public var audioStreamCount: Int

    public init(samples: [Float], streamIndex: Int, audioStreamCount: Int) {
        self.samples = samples
        self.streamIndex = streamIndex
        self.audioStreamCount = audioStreamCount
    }

    /// Length in seconds.
    public var duration: Double { Double(self.samples.count) / Double(AudioExtractor.sampleRate) }
}

/// Decodes a media file's audio to 16 kHz mono float PCM with libavformat, libavcodec and
/// libswresample, for speech recognition.
///
/// With several audio streams it takes the first one that is not silent (peak above -80 dBFS),
/// so a silent commentary or dummy track placed first does not hide the real sound. When every
/// stream is silent it returns the first. Samples start at the file's start time: a stream that
/// starts later gets leading silence, so sample times are times in the file. Any container and
/// codec FFmpeg reads works, including MP4 with the moov atom at the end, MP3, WAV, FLAC, Opus
/// and AAC in MPEG-TS. Stateless: any thread may call `extract`.
public struct AudioExtractor: Sendable {
    public static let sampleRate = 16_000
    /// Peak amplitude below which a stream counts as silent (-80 dBFS).
    static let silencePeak: Float = 1e-4

    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Decodes the audio of the file at `path`.
    ///
    /// - Parameter isCancelled: polled between packets; returning true stops decoding.
    /// - Throws: `MediaError` when the file cannot be opened (`.fileNotFound`, `.emptyFile`,
    ///   `.unreadable`, ...), `.noAudioStream` when it has no audio, `.decodeFailed` when no
    ///   audio stream decodes, and `CancellationError` when cancelled.
    public func extract(path: String, isCancelled: @Sendable () -> Bool = { false }) throws -> ExtractedAudio {
        // The streams belong to the input, which must stay open while they are read.
        let input = try InputFile(path: path)
        let streams = input.streams.filter { stream in
            stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO
        }.map { Int($0.pointee.index) }
        withExtendedLifetime(input) {}
        guard !streams.isEmpty else { throw MediaError.noAudioStream(path: path) }

        var firstDecoded: ExtractedAudio?
        var lastError: MediaError?
        for streamIndex in streams {
            do {
                let samples = try self.decodeStream(path: path, streamIndex: streamIndex, isCancelled: isCancelled)
                let audio = ExtractedAudio(samples: samples, streamIndex: streamIndex, audioStreamCount: streams.count)
                let peak = samples.reduce(Float(0)) { max($0, abs($1)) }
                if peak > Self.silencePeak {
                    return audio
                }
                self.logger.debug("silent audio stream skipped", ["media.path": path, "media.stream": String(streamIndex)])
                if firstDecoded == nil {
                    firstDecoded = audio
                }
            } catch let error as MediaError {
                self.logger.warning(
                    "audio stream failed to decode",
                    ["media.path": path, "media.stream": String(streamIndex), "error": String(describing: error)]
                )
                lastError = error
            }
        }
        if let firstDecoded {
            return firstDecoded
        }
        throw lastError ?? MediaError.noAudioStream(path: path)
    }

    /// Decodes and resamples one stream, with leading silence for a stream that starts after the file.
    private func decodeStream(path: String, streamIndex: Int, isCancelled: @Sendable () -> Bool) throws -> [Float] {
        let input = try InputFile(path: path)
        let format = input.formatContext
        guard let stream = format.pointee.streams[streamIndex], let parameters = stream.pointee.codecpar else {
            throw MediaError.noAudioStream(path: path)
        }
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw MediaError.unsupported(path: path, reason: "no decoder for audio codec '\(name)'")
        }
        var codecContext = avcodec_alloc_context3(codec)
        guard let decoder = codecContext else {
            throw MediaError.decodeFailed(path: path, function: "avcodec_alloc_context3", reason: "out of memory")
        }
        defer { avcodec_free_context(&codecContext) }
        try FFmpegSupport.check(avcodec_parameters_to_context(decoder, parameters), "avcodec_parameters_to_context", path: path)
        decoder.pointee.pkt_timebase = stream.pointee.time_base
        try FFmpegSupport.check(avcodec_open2(decoder, codec, nil), "avcodec_open2", path: path)
        // The demuxer then hands over only this stream's packets.
        for other in input.streams where other != stream {
            other.pointee.discard = AVDISCARD_ALL
        }

        var resampler = AudioResampler(path: path)
        defer { resampler.close() }

        var samples: [Float] = Self.leadingSilence(format: format, stream: stream)
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer {
            av_packet_free(&packet)
            av_frame_free(&frame)
        }
        guard let packet, let frame else {
            throw MediaError.decodeFailed(path: path, function: "av_frame_alloc", reason: "out of memory")
        }

        func drainFrames() throws(MediaError) {
            while true {
                let status = avcodec_receive_frame(decoder, frame)
                if status == FFmpegSupport.tryAgain || status == FFmpegSupport.endOfFile {
                    return
                }
                try FFmpegSupport.check(status, "avcodec_receive_frame", path: path)
                try resampler.convert(frame: frame, into: &samples)
                av_frame_unref(frame)
            }
        }

        while true {
            if isCancelled() {
                throw CancellationError()
            }
            let readStatus = av_read_frame(format, packet)
            if readStatus == FFmpegSupport.endOfFile {
                break
            }
            try FFmpegSupport.check(readStatus, "av_read_frame", path: path)
            defer { av_packet_unref(packet) }
            guard Int(packet.pointee.stream_index) == streamIndex else { continue }
            let sendStatus = avcodec_send_packet(decoder, packet)
            // A damaged packet is skipped, as the ffmpeg CLI does; the rest of the stream still decodes.
            if sendStatus < 0 && sendStatus != FFmpegSupport.tryAgain {
                self.logger.debug("audio packet skipped", ["media.path": path, "ffmpeg.code": String(sendStatus)])
                continue
            }
            try drainFrames()
        }
        _ = avcodec_send_packet(decoder, nil)
        try drainFrames()
        try resampler.flush(into: &samples)
        return samples
    }

    /// Returns zeros covering the time between the file's start and the stream's first sample.
    private static func leadingSilence(
        format: UnsafeMutablePointer<AVFormatContext>,
        stream: UnsafeMutablePointer<AVStream>
    ) -> [Float] {
        let streamStart = stream.pointee.start_time
        let fileStart = format.pointee.start_time
        guard streamStart != FFmpegSupport.noTimestamp, fileStart != FFmpegSupport.noTimestamp else { return [] }
        let streamSeconds = Double(streamStart) * (FFmpegSupport.double(stream.pointee.time_base) ?? 0)
        let fileSeconds = Double(fileStart) / Double(cffmpeg_time_base())
        let gap = streamSeconds - fileSeconds
        guard gap > 0.001, gap < 3600 else { return [] }
        return [Float](repeating: 0, count: Int((gap * Double(Self.sampleRate)).rounded()))
    }
}
