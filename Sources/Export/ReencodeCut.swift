import CFFmpeg

/// Cuts a clip frame-accurately by decoding from the keyframe before the start and encoding
/// H.264 (libx264) and AAC into MP4.
///
/// The clip keeps the video frames whose start lies nearest the requested range. A frame is
/// kept when its timestamp is after `start` minus half a frame and at or before `end` minus
/// half a frame. A time exactly between two frames therefore goes to the later one at both
/// ends. Audio is cut to the sample at the first kept frame and at `end`.
struct ReencodeCut {
    let source: ClipSource
    let outputPath: String

    /// Writes the clip and returns its actual start and end in seconds of the source.
    func run(start: Double, end: Double) throws(ExportError) -> (start: Double, end: Double) {
        let output = try ClipOutput(path: self.outputPath)
        let videoDecoder = try self.source.video.map { stream throws(ExportError) in
            try StreamDecoder(stream: stream, path: self.source.path)
        }
        let audioDecoder = try self.source.audio.map { stream throws(ExportError) in
            try StreamDecoder(stream: stream, path: self.source.path)
        }
        let videoEncoder = try videoDecoder.map { decoder throws(ExportError) in
            try VideoEncoder(decoder: decoder, output: output)
        }
        let audioEncoder = try audioDecoder.map { decoder throws(ExportError) in
            try AudioEncoder(decoder: decoder, output: output)
        }

        // With video, the header waits for the first kept frame, whose time sets the start timecode.
        var state = CutState(start: start, end: end)
        if let videoDecoder {
            state.halfFrame = 0.5 / Self.frameRate(of: videoDecoder.stream)
        } else {
            // Audio alone: the clip starts exactly at the requested time.
            state.origin = start
            try output.writeHeader()
            try audioEncoder?.setRange(origin: start, end: end)
        }

        // Packets read while finding the keyframe are decoded first, in file order.
        var buffered = try self.source.seekToKeyframe(atOrBefore: start)
        defer {
            for var pending in buffered as [UnsafeMutablePointer<AVPacket>?] {
                av_packet_free(&pending)
            }
        }
        let packet = av_packet_alloc()
        defer {
            var freeing = packet
            av_packet_free(&freeing)
        }
        guard let packet else {
            throw .clipFailed(path: self.outputPath, function: "av_packet_alloc", reason: "out of memory")
        }
        var isVideoDone = videoDecoder == nil
        var isAudioDone = audioDecoder == nil
        while !(isVideoDone && isAudioDone) {
            if buffered.isEmpty {
                let code = av_read_frame(self.source.formatContext, packet)
                if code == FFmpegCall.endOfFile { break }
                try FFmpegCall.check(code, "av_read_frame", path: self.source.path)
            } else {
                var next: UnsafeMutablePointer<AVPacket>? = buffered.removeFirst()
                av_packet_move_ref(packet, next)
                av_packet_free(&next)
            }
            defer { av_packet_unref(packet) }
            if let videoDecoder, !isVideoDone, packet.pointee.stream_index == videoDecoder.stream.pointee.index {
                try videoDecoder.send(packet)
                isVideoDone = try self.drainVideo(
                    videoDecoder,
                    into: videoEncoder,
                    audio: audioEncoder,
                    output: output,
                    state: &state
                )
            } else if let audioDecoder, !isAudioDone, packet.pointee.stream_index == audioDecoder.stream.pointee.index {
                try audioDecoder.send(packet)
                isAudioDone = try self.drainAudio(audioDecoder, into: audioEncoder, state: state)
            }
        }

        // Decoders hold back their last frames until flushed.
        if let videoDecoder, !isVideoDone {
            try videoDecoder.send(nil)
            _ = try self.drainVideo(
                videoDecoder,
                into: videoEncoder,
                audio: audioEncoder,
                output: output,
                state: &state
            )
        }
        if let audioDecoder, !isAudioDone {
            try audioDecoder.send(nil)
            _ = try self.drainAudio(audioDecoder, into: audioEncoder, state: state)
        }
        guard let origin = state.origin else {
            throw .unsupportedMedia(path: self.source.path, reason: "no frame lies between \(start) s and \(end) s")
        }
        try videoEncoder?.flush()
        try audioEncoder?.flush()
        try output.finish()
        return (origin, state.lastFrameEnd ?? end)
    }

    /// Encodes the decoded video frames that fall in the clip; returns true once past its end.
    private func drainVideo(
        _ decoder: StreamDecoder,
        into encoder: VideoEncoder?,
        audio: AudioEncoder?,
        output: ClipOutput,
        state: inout CutState
    ) throws(ExportError) -> Bool {
        let base = decoder.stream.pointee.time_base
        let originSeconds = self.source.originSeconds
        while try decoder.receive() {
            let timestamp = decoder.frameTimestamp
            let time = FFmpegCall.seconds(timestamp, timeBase: base) - originSeconds
            if time > state.end - state.halfFrame + CutState.tieMargin {
                return true
            }
            if time <= state.start - state.halfFrame + CutState.tieMargin {
                continue
            }
            if state.originTimestamp == nil {
                state.originTimestamp = timestamp
                state.origin = time
                if let stream = encoder?.outputStream {
                    output.setStartTimecode(self.source.timecode(atSeconds: time), on: stream)
                }
                try output.writeHeader()
                try audio?.setRange(origin: time, end: state.end)
            }
            try encoder?.encode(decoder.frame, timestamp: timestamp - (state.originTimestamp ?? timestamp))
            state.lastFrameEnd = time + 2 * state.halfFrame
        }
        return false
    }

    /// Queues the decoded audio frames; returns true once past the clip's end.
    private func drainAudio(_ decoder: StreamDecoder, into encoder: AudioEncoder?, state: CutState) throws(ExportError)
        -> Bool
    {
        let base = decoder.stream.pointee.time_base
        let originSeconds = self.source.originSeconds
        while try decoder.receive() {
            let time = FFmpegCall.seconds(decoder.frameTimestamp, timeBase: base) - originSeconds
            if time >= state.end {
                return true
            }
            try encoder?.append(frameAt: time)
        }
        return false
    }

    /// Returns the stream's frame rate in frames per second, or 25 when the container states none.
    private static func frameRate(of stream: UnsafeMutablePointer<AVStream>) -> Double {
        for rate in [stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate] where rate.num > 0 && rate.den > 0 {
            return Double(rate.num) / Double(rate.den)
        }
        return 25
    }
}

/// The progress of a re-encoded cut: the requested range and the first and last kept frames.
private struct CutState {
    /// Seconds that break ties between two frames equally near a cut, well below a frame.
    static let tieMargin = 1e-6

    let start: Double
    let end: Double
    var halfFrame = 0.0
    /// The first kept video frame in source seconds and in stream time base units.
    var origin: Double?
    var originTimestamp: Int64?
    /// The end of the last kept video frame in source seconds.
    var lastFrameEnd: Double?

    init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }
}
