import CFFmpeg
import Foundation
import JumperCore

/// Decoded audio: 16 kHz mono float samples of one stream of a media file.
public struct DecodedAudio: Sendable {
    public var samples: [Float]
    /// Index of the decoded stream in the container.
    public var streamIndex: Int
    /// Number of audio streams in the container.
    public var audioStreamCount: Int

    public var duration: Double { Double(self.samples.count) / Double(AudioDecoder.sampleRate) }
}

/// Decodes a media file's audio to 16 kHz mono float PCM with libavformat, libavcodec and libswresample.
///
/// With several audio streams it takes the first one that is not silent (peak above -80 dBFS),
/// so a silent commentary or dummy track placed first does not hide the real sound. Samples
/// start at the file's start time: a stream that starts later gets leading silence, so sample
/// times are times in the file. Stateless: any thread may call `decode`.
// TODO: this belongs to the media layer; it lives here until that module offers audio decoding.
public struct AudioDecoder: Sendable {
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
    /// - Throws: `SpeechError.audioOpenFailed`, `.noAudioStream`, `.audioDecodeFailed` or `.cancelled`.
    public func decode(path: String, isCancelled: @Sendable () -> Bool = { false }) throws -> DecodedAudio {
        let streams = try self.audioStreams(path: path)
        guard !streams.isEmpty else { throw SpeechError.noAudioStream(path: path) }

        var firstDecoded: DecodedAudio?
        var lastError: Error?
        for streamIndex in streams {
            do {
                let samples = try self.decodeStream(path: path, streamIndex: streamIndex, isCancelled: isCancelled)
                let audio = DecodedAudio(samples: samples, streamIndex: streamIndex, audioStreamCount: streams.count)
                let peak = samples.reduce(Float(0)) { max($0, abs($1)) }
                if peak > Self.silencePeak {
                    return audio
                }
                self.logger.debug("silent audio stream skipped", ["media.path": path, "media.stream": String(streamIndex)])
                if firstDecoded == nil { firstDecoded = audio }
            } catch SpeechError.cancelled {
                throw SpeechError.cancelled
            } catch {
                self.logger.warning(
                    "audio stream failed to decode",
                    ["media.path": path, "media.stream": String(streamIndex), "error": String(describing: error)]
                )
                lastError = error
            }
        }
        if let firstDecoded { return firstDecoded }
        throw lastError ?? SpeechError.noAudioStream(path: path)
    }

    /// Returns the indexes of the file's audio streams in container order.
    private func audioStreams(path: String) throws -> [Int] {
        let format = try Self.openInput(path: path)
        defer {
            var pointer: UnsafeMutablePointer<AVFormatContext>? = format
            avformat_close_input(&pointer)
        }
        var indexes: [Int] = []
        for index in 0..<Int(format.pointee.nb_streams) {
            if let stream = format.pointee.streams[index], stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO {
                indexes.append(index)
            }
        }
        return indexes
    }

    private static func openInput(path: String) throws -> UnsafeMutablePointer<AVFormatContext> {
        var format: UnsafeMutablePointer<AVFormatContext>?
        let openStatus = avformat_open_input(&format, path, nil, nil)
        guard openStatus >= 0, let format else {
            throw SpeechError.audioOpenFailed(path: path, code: openStatus)
        }
        let infoStatus = avformat_find_stream_info(format, nil)
        guard infoStatus >= 0 else {
            var pointer: UnsafeMutablePointer<AVFormatContext>? = format
            avformat_close_input(&pointer)
            throw SpeechError.audioOpenFailed(path: path, code: infoStatus)
        }
        return format
    }

    /// Decodes and resamples one stream, with leading silence for a stream that starts after the file.
    private func decodeStream(path: String, streamIndex: Int, isCancelled: @Sendable () -> Bool) throws -> [Float] {
        let format = try Self.openInput(path: path)
        defer {
            var pointer: UnsafeMutablePointer<AVFormatContext>? = format
            avformat_close_input(&pointer)
        }
        guard let stream = format.pointee.streams[streamIndex], let parameters = stream.pointee.codecpar else {
            throw SpeechError.noAudioStream(path: path)
        }
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw SpeechError.audioDecodeFailed(path: path, function: "avcodec_find_decoder", code: Int32(parameters.pointee.codec_id.rawValue))
        }
        var codecContext = avcodec_alloc_context3(codec)
        guard let decoder = codecContext else {
            throw SpeechError.audioDecodeFailed(path: path, function: "avcodec_alloc_context3", code: cffmpeg_averror(ENOMEM))
        }
        defer { avcodec_free_context(&codecContext) }
        try Self.check(avcodec_parameters_to_context(decoder, parameters), path: path, function: "avcodec_parameters_to_context")
        decoder.pointee.pkt_timebase = stream.pointee.time_base
        try Self.check(avcodec_open2(decoder, codec, nil), path: path, function: "avcodec_open2")

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
            throw SpeechError.audioDecodeFailed(path: path, function: "av_frame_alloc", code: cffmpeg_averror(ENOMEM))
        }

        func drainFrames() throws {
            while true {
                let status = avcodec_receive_frame(decoder, frame)
                if status == cffmpeg_averror(EAGAIN) || status == cffmpeg_averror_eof() { return }
                try Self.check(status, path: path, function: "avcodec_receive_frame")
                try resampler.convert(frame: frame, into: &samples)
                av_frame_unref(frame)
            }
        }

        while true {
            if isCancelled() { throw SpeechError.cancelled }
            let readStatus = av_read_frame(format, packet)
            if readStatus == cffmpeg_averror_eof() { break }
            try Self.check(readStatus, path: path, function: "av_read_frame")
            defer { av_packet_unref(packet) }
            guard Int(packet.pointee.stream_index) == streamIndex else { continue }
            let sendStatus = avcodec_send_packet(decoder, packet)
            // A damaged packet is skipped, as the ffmpeg CLI does; the rest of the stream still decodes.
            if sendStatus < 0 && sendStatus != cffmpeg_averror(EAGAIN) {
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
    private static func leadingSilence(format: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>) -> [Float] {
        let streamStart = stream.pointee.start_time
        let fileStart = format.pointee.start_time
        guard streamStart != cffmpeg_nopts_value(), fileStart != cffmpeg_nopts_value() else { return [] }
        let timeBase = stream.pointee.time_base
        let streamSeconds = Double(streamStart) * Double(timeBase.num) / Double(timeBase.den)
        let fileSeconds = Double(fileStart) / Double(cffmpeg_time_base())
        let gap = streamSeconds - fileSeconds
        guard gap > 0.001, gap < 3600 else { return [] }
        return [Float](repeating: 0, count: Int((gap * Double(Self.sampleRate)).rounded()))
    }

    static func check(_ status: Int32, path: String, function: String) throws {
        if status < 0 {
            throw SpeechError.audioDecodeFailed(path: path, function: function, code: status)
        }
    }
}

/// Converts decoded frames of any layout and sample format to 16 kHz mono float.
private struct AudioResampler {
    let path: String
    private var context: OpaquePointer?
    private var outputBuffer: UnsafeMutablePointer<Float>?
    private var outputCapacity = 0

    init(path: String) {
        self.path = path
    }

    mutating func close() {
        swr_free(&self.context)
        self.outputBuffer?.deallocate()
        self.outputBuffer = nil
    }

    mutating func convert(frame: UnsafeMutablePointer<AVFrame>, into samples: inout [Float]) throws {
        if self.context == nil {
            try self.configure(frame: frame)
        }
        let inputCount = Int(frame.pointee.nb_samples)
        let input = UnsafeMutableRawPointer(frame.pointee.extended_data)!.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        try self.run(input: input, inputCount: inputCount, into: &samples)
    }

    mutating func flush(into samples: inout [Float]) throws {
        guard self.context != nil else { return }
        try self.run(input: nil, inputCount: 0, into: &samples)
    }

    private mutating func configure(frame: UnsafeMutablePointer<AVFrame>) throws {
        var inputLayout = AVChannelLayout()
        if frame.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame.pointee.ch_layout.nb_channels == 0 {
            av_channel_layout_default(&inputLayout, max(frame.pointee.ch_layout.nb_channels, 1))
        } else {
            try AudioDecoder.check(av_channel_layout_copy(&inputLayout, &frame.pointee.ch_layout), path: self.path, function: "av_channel_layout_copy")
        }
        defer { av_channel_layout_uninit(&inputLayout) }
        var outputLayout = AVChannelLayout()
        av_channel_layout_default(&outputLayout, 1)
        defer { av_channel_layout_uninit(&outputLayout) }

        let status = swr_alloc_set_opts2(
            &self.context,
            &outputLayout,
            AV_SAMPLE_FMT_FLT,
            Int32(AudioDecoder.sampleRate),
            &inputLayout,
            AVSampleFormat(frame.pointee.format),
            frame.pointee.sample_rate,
            0,
            nil
        )
        try AudioDecoder.check(status, path: self.path, function: "swr_alloc_set_opts2")
        try AudioDecoder.check(swr_init(self.context), path: self.path, function: "swr_init")
    }

    private mutating func run(input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, inputCount: Int, into samples: inout [Float]) throws {
        let needed = Int(swr_get_out_samples(self.context, Int32(inputCount))) + 256
        if needed > self.outputCapacity {
            self.outputBuffer?.deallocate()
            self.outputBuffer = .allocate(capacity: needed)
            self.outputCapacity = needed
        }
        var outputPlane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(self.outputBuffer!).assumingMemoryBound(to: UInt8.self)
        let converted = swr_convert(self.context, &outputPlane, Int32(self.outputCapacity), input, Int32(inputCount))
        try AudioDecoder.check(converted, path: self.path, function: "swr_convert")
        samples.append(contentsOf: UnsafeBufferPointer(start: self.outputBuffer, count: Int(converted)))
    }
}
