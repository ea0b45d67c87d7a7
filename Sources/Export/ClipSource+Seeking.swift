import CFFmpeg

extension ClipSource {
    /// Seeks to the last keyframe of the leading stream presented at or before `seconds` after
    /// the origin, and returns the packets read to confirm it, in file order. The keyframe is
    /// the last packet, and the packets of other streams read before it come first.
    ///
    /// MPEG-TS and MPEG-PS seek by a binary search over timestamps that may land on a packet
    /// that is not a keyframe, or after the keyframe wanted. So after each seek the packets are
    /// read up to the next keyframe of the leading stream, and when that keyframe lies past the
    /// time, the seek goes 1, 2, 4, ... s further back, and in the end to the start of the file.
    /// The caller owns the returned packets and frees them with `av_packet_free`.
    ///
    /// - Throws: `ExportError.unsupportedMedia` when no keyframe lies at or before the time,
    ///   and `.clipFailed` naming the FFmpeg call that failed.
    func seekToKeyframe(atOrBefore seconds: Double) throws(ExportError) -> [UnsafeMutablePointer<AVPacket>] {
        let leading = self.leadingStream
        let timeBase = leading.pointee.time_base
        let target = self.origin + FFmpegCall.timestamp(seconds: seconds, timeBase: timeBase)
        let oneSecond = FFmpegCall.timestamp(seconds: 1, timeBase: timeBase)
        var backOff: Int64 = 0
        while true {
            let seekTarget = target - backOff
            if seekTarget <= self.origin {
                try self.seekToStart()
            } else {
                try FFmpegCall.check(
                    av_seek_frame(self.formatContext, leading.pointee.index, seekTarget, AVSEEK_FLAG_BACKWARD),
                    "av_seek_frame",
                    path: self.path
                )
            }
            if let packets = try self.readToKeyframe(atOrBefore: target) {
                return packets
            }
            if seekTarget <= self.origin {
                throw .unsupportedMedia(path: self.path, reason: "no keyframe found at or before \(seconds) s")
            }
            backOff = backOff == 0 ? oneSecond : 2 * backOff
        }
    }

    /// Seeks to the start of the file. Formats that seek by a binary search over timestamps
    /// (MPEG-TS, MPEG-PS) can land after the first keyframe when asked for the first
    /// timestamp, so they seek to byte 0; indexed formats (MP4, Matroska) seek to the origin.
    private func seekToStart() throws(ExportError) {
        let format = self.formatContext.pointee.iformat.pointee
        let seeksByBinarySearch = format.read_timestamp != nil && (format.flags & AVFMT_NO_BYTE_SEEK) == 0
        let code =
            seeksByBinarySearch
            ? av_seek_frame(self.formatContext, -1, 0, AVSEEK_FLAG_BYTE)
            : av_seek_frame(self.formatContext, self.leadingStream.pointee.index, self.origin, AVSEEK_FLAG_BACKWARD)
        try FFmpegCall.check(code, "av_seek_frame", path: self.path)
    }

    /// Reads packets up to the next keyframe of the leading stream. Returns the packets of
    /// other streams read on the way followed by the keyframe when it is presented at or before
    /// `target`, and nil (freeing them) when it is later or the file ends first. Packets of the
    /// leading stream before the keyframe cannot be decoded, so they are dropped.
    private func readToKeyframe(atOrBefore target: Int64) throws(ExportError) -> [UnsafeMutablePointer<AVPacket>]? {
        let leading = self.leadingStream
        var packets: [UnsafeMutablePointer<AVPacket>] = []
        var isComplete = false
        defer {
            if !isComplete {
                for var packet in packets as [UnsafeMutablePointer<AVPacket>?] {
                    av_packet_free(&packet)
                }
            }
        }
        while true {
            guard let packet = av_packet_alloc() else {
                throw .clipFailed(path: self.path, function: "av_packet_alloc", reason: "out of memory")
            }
            packets.append(packet)
            let code = av_read_frame(self.formatContext, packet)
            if code == FFmpegCall.endOfFile {
                return nil
            }
            try FFmpegCall.check(code, "av_read_frame", path: self.path)
            if packet.pointee.stream_index != leading.pointee.index {
                continue
            }
            let isKey = (packet.pointee.flags & AV_PKT_FLAG_KEY) != 0 || leading == self.audio
            let timestamp = packet.pointee.pts == FFmpegCall.noTimestamp ? packet.pointee.dts : packet.pointee.pts
            guard isKey, timestamp != FFmpegCall.noTimestamp else {
                var dropped: UnsafeMutablePointer<AVPacket>? = packets.removeLast()
                av_packet_free(&dropped)
                continue
            }
            if timestamp > target {
                return nil
            }
            isComplete = true
            return packets
        }
    }
}
