import CFFmpeg

/// Cuts a clip without re-encoding: packets are copied from the keyframe at or before the
/// requested start, so the clip may begin earlier than requested but never later.
///
/// At the end, video packets presented before `end` are kept, and so are packets presented
/// later but decoded before one of those, because B-frames may use them as references. The
/// clip can therefore show a few frames past `end`. Audio packets that start before `end` are kept.
struct StreamCopyCut {
    let source: ClipSource
    let outputPath: String

    /// Writes the clip and returns its actual start and end in seconds of the source.
    func run(start: Double, end: Double) throws(ExportError) -> (start: Double, end: Double) {
        let leading = self.source.leadingStream
        let leadingBase = leading.pointee.time_base
        let origin = self.source.origin
        let packet = av_packet_alloc()
        defer {
            var freeing = packet
            av_packet_free(&freeing)
        }
        guard let packet else {
            throw .clipFailed(path: self.outputPath, function: "av_packet_alloc", reason: "out of memory")
        }

        // The keyframe comes last; the audio read before it may still fall inside the clip.
        var pendingAudio = try self.source.seekToKeyframe(atOrBefore: start)
        defer {
            for var pending in pendingAudio as [UnsafeMutablePointer<AVPacket>?] {
                av_packet_free(&pending)
            }
        }
        let keyframe = pendingAudio.removeLast()
        av_packet_move_ref(packet, keyframe)
        var emptied: UnsafeMutablePointer<AVPacket>? = keyframe
        av_packet_free(&emptied)
        let cutStart = packet.pointee.pts == FFmpegCall.noTimestamp ? packet.pointee.dts : packet.pointee.pts

        let cutStartSeconds = FFmpegCall.seconds(cutStart - origin, timeBase: leadingBase)
        let (output, outputIndex) = try self.makeOutput(startSeconds: cutStartSeconds)
        var writer = PacketWriter(
            source: self.source,
            output: output,
            outputIndex: outputIndex,
            cutStart: cutStart,
            cutStartBase: leadingBase,
            endSeconds: end
        )
        // The keyframe packet is still referenced by `packet`; write it, then the held audio.
        try writer.write(packet)
        for pending in pendingAudio {
            try writer.write(pending)
        }
        while !writer.isComplete {
            let code = av_read_frame(self.source.formatContext, packet)
            if code == FFmpegCall.endOfFile { break }
            try FFmpegCall.check(code, "av_read_frame", path: self.source.path)
            try writer.write(packet)
        }
        writer.discardHeld()
        try output.finish()
        let actualEnd = writer.latestEnd.map { $0 + cutStartSeconds } ?? end
        return (cutStartSeconds, actualEnd)
    }

    /// Creates the output with a copy of each kept stream and writes its header. The start
    /// timecode is the source's, moved on to the clip's first frame.
    private func makeOutput(startSeconds: Double) throws(ExportError) -> (ClipOutput, [Int32: Int32]) {
        let output = try ClipOutput(path: self.outputPath)
        var outputIndex: [Int32: Int32] = [:]
        for input in [self.source.video, self.source.audio].compactMap({ $0 }) {
            let stream = try output.addStream()
            try FFmpegCall.check(
                avcodec_parameters_copy(stream.pointee.codecpar, input.pointee.codecpar),
                "avcodec_parameters_copy",
                path: self.outputPath
            )
            stream.pointee.codecpar.pointee.codec_tag = Self.codecTag(for: input, in: output)
            stream.pointee.time_base = input.pointee.time_base
            stream.pointee.avg_frame_rate = input.pointee.avg_frame_rate
            try output.copySideDataAndMetadata(from: input, to: stream)
            outputIndex[input.pointee.index] = stream.pointee.index
            if input == self.source.video {
                output.setStartTimecode(self.source.timecode(atSeconds: startSeconds), on: stream)
            }
        }
        try output.writeHeader()
        return (output, outputIndex)
    }

    /// Keeps the source's codec tag (such as `hvc1`, which Apple players need for HEVC) when
    /// the output container has this tag for this codec, and lets the muxer choose otherwise.
    private static func codecTag(for input: UnsafeMutablePointer<AVStream>, in output: ClipOutput) -> UInt32 {
        let parameters = input.pointee.codecpar.pointee
        guard let tags = output.formatContext.pointee.oformat.pointee.codec_tag else { return 0 }
        return av_codec_get_id(tags, parameters.codec_tag) == parameters.codec_id ? parameters.codec_tag : 0
    }
}

/// Shifts copied packets so the clip starts at zero and drops what lies outside it.
private struct PacketWriter {
    let source: ClipSource
    let output: ClipOutput
    let outputIndex: [Int32: Int32]
    let cutStart: Int64
    let cutStartBase: AVRational
    let endSeconds: Double
    private var finishedStreams: Set<Int32> = []
    /// Video packets presented after the end but decoded before it, held until it is known
    /// whether a kept frame follows them.
    private var heldVideo: [UnsafeMutablePointer<AVPacket>] = []
    /// The latest end of a written packet of the leading stream, in seconds from the cut start.
    private(set) var latestEnd: Double?

    init(
        source: ClipSource,
        output: ClipOutput,
        outputIndex: [Int32: Int32],
        cutStart: Int64,
        cutStartBase: AVRational,
        endSeconds: Double
    ) {
        self.source = source
        self.output = output
        self.outputIndex = outputIndex
        self.cutStart = cutStart
        self.cutStartBase = cutStartBase
        self.endSeconds = endSeconds
    }

    /// True once every kept stream has passed the end of the clip.
    var isComplete: Bool {
        self.finishedStreams.count == self.outputIndex.count
    }

    /// Writes `packet` if it belongs in the clip and unreferences it either way.
    mutating func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(ExportError) {
        defer { av_packet_unref(packet) }
        let inputIndex = packet.pointee.stream_index
        guard let outputIndex = self.outputIndex[inputIndex], !self.finishedStreams.contains(inputIndex) else { return }
        let input = self.source.formatContext.pointee.streams[Int(inputIndex)]!
        let base = input.pointee.time_base
        let isVideo = input == self.source.video

        // No packet decoded at or after the end is presented before it, so the stream ends there.
        let endTimestamp = FFmpegCall.timestamp(seconds: self.source.originSeconds + self.endSeconds, timeBase: base)
        let orderTimestamp = isVideo ? packet.pointee.dts : packet.pointee.pts
        if orderTimestamp != FFmpegCall.noTimestamp && orderTimestamp >= endTimestamp {
            self.finishedStreams.insert(inputIndex)
            return
        }
        if isVideo && packet.pointee.pts != FFmpegCall.noTimestamp {
            if packet.pointee.pts >= endTimestamp {
                // Hold it: it is written only if a frame presented before the end follows.
                if let copy = av_packet_clone(packet) { self.heldVideo.append(copy) }
                return
            }
            for heldPacket in self.heldVideo {
                try self.shiftAndWrite(heldPacket, input: input, outputIndex: outputIndex, isVideo: true)
                var freeing: UnsafeMutablePointer<AVPacket>? = heldPacket
                av_packet_free(&freeing)
            }
            self.heldVideo.removeAll()
        }
        try self.shiftAndWrite(packet, input: input, outputIndex: outputIndex, isVideo: isVideo)
    }

    /// Frees the held packets that no kept frame needed.
    mutating func discardHeld() {
        for heldPacket in self.heldVideo {
            var freeing: UnsafeMutablePointer<AVPacket>? = heldPacket
            av_packet_free(&freeing)
        }
        self.heldVideo.removeAll()
    }

    private mutating func shiftAndWrite(
        _ packet: UnsafeMutablePointer<AVPacket>,
        input: UnsafeMutablePointer<AVStream>,
        outputIndex: Int32,
        isVideo: Bool
    ) throws(ExportError) {
        let base = input.pointee.time_base
        let shift = av_rescale_q(self.cutStart, self.cutStartBase, base)
        if packet.pointee.pts != FFmpegCall.noTimestamp {
            packet.pointee.pts -= shift
            // Audio that ends before the cut start is outside the clip.
            if !isVideo && packet.pointee.pts + packet.pointee.duration <= 0 { return }
            if input == self.source.leadingStream {
                let end = FFmpegCall.seconds(packet.pointee.pts + packet.pointee.duration, timeBase: base)
                self.latestEnd = max(self.latestEnd ?? end, end)
            }
        }
        if packet.pointee.dts != FFmpegCall.noTimestamp {
            packet.pointee.dts -= shift
        }
        let outputStream = self.output.formatContext.pointee.streams[Int(outputIndex)]!
        av_packet_rescale_ts(packet, base, outputStream.pointee.time_base)
        packet.pointee.stream_index = outputIndex
        packet.pointee.pos = -1
        try self.output.write(packet)
    }
}
