import CFFmpeg

/// Tells constant from variable frame rate by the spacing of a video stream's timestamps.
///
/// The timestamps come from the demuxer's index when it lists every frame (MP4 and MOV list
/// every sample), otherwise from the first `maxPacketsRead` packets, so the check reads no
/// frame data and costs milliseconds. A stream is variable when some gap between consecutive
/// frames differs from the median gap by more than a quarter of it and by more than two time
/// base units. The second condition absorbs the rounding of 29.97 fps to a millisecond time
/// base. A dropped frame counts as variable, because the frame times jump.
public enum FrameRateCheck {
    /// Packets read when the index does not list every frame: 20 s at 30 fps.
    static let maxPacketsRead = 600
    /// Index entries examined at most: 55 minutes at 30 fps, enough for any phone recording.
    static let maxIndexEntries = 100_000

    static func isVariable(_ stream: UnsafeMutablePointer<AVStream>, in input: InputFile) -> Bool {
        let timestamps = self.indexTimestamps(stream) ?? self.packetTimestamps(stream, in: input)
        return self.isVariable(sortedTimestamps: timestamps.sorted())
    }

    /// Returns true when the gaps between `sortedTimestamps` vary, by the rule in the type's
    /// documentation. Fewer than three timestamps give false.
    public static func isVariable(sortedTimestamps: [Int64]) -> Bool {
        var gaps: [Int64] = []
        gaps.reserveCapacity(sortedTimestamps.count)
        for (earlier, later) in zip(sortedTimestamps, sortedTimestamps.dropFirst()) where later > earlier {
            gaps.append(later - earlier)
        }
        guard gaps.count >= 2 else { return false }
        let median = gaps.sorted()[gaps.count / 2]
        let tolerance = max(2, median / 4)
        return gaps.contains { abs($0 - median) > tolerance }
    }

    /// Returns the index's timestamps when the index lists (nearly) every frame, else nil.
    private static func indexTimestamps(_ stream: UnsafeMutablePointer<AVStream>) -> [Int64]? {
        let count = Int(avformat_index_get_entries_count(stream))
        guard count >= 3 else { return nil }
        let expectedFrames: Double
        if stream.pointee.nb_frames > 0 {
            expectedFrames = Double(stream.pointee.nb_frames)
        } else if stream.pointee.duration > 0, let timeBase = FFmpegSupport.double(stream.pointee.time_base),
            let rate = FFmpegSupport.double(stream.pointee.avg_frame_rate)
        {
            expectedFrames = Double(stream.pointee.duration) * timeBase * rate
        } else {
            return nil
        }
        // Matroska cues and similar indexes list only keyframes, whose spacing is not the frame rate.
        guard Double(count) >= expectedFrames * 0.9 else { return nil }
        return (0..<min(count, self.maxIndexEntries)).compactMap { index in
            avformat_index_get_entry(stream, Int32(index))?.pointee.timestamp
        }
    }

    /// Reads up to `maxPacketsRead` packets of `stream` from the current position and returns
    /// their presentation (or else decoding) timestamps.
    private static func packetTimestamps(_ stream: UnsafeMutablePointer<AVStream>, in input: InputFile) -> [Int64] {
        guard let packet = av_packet_alloc() else { return [] }
        var packetForCleanup: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetForCleanup) }
        var timestamps: [Int64] = []
        var packetsRead = 0
        while timestamps.count < self.maxPacketsRead && packetsRead < self.maxPacketsRead * 20 {
            guard av_read_frame(input.formatContext, packet) >= 0 else { break }
            packetsRead += 1
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == stream.pointee.index else { continue }
            let timestamp = packet.pointee.pts != FFmpegSupport.noTimestamp ? packet.pointee.pts : packet.pointee.dts
            if timestamp != FFmpegSupport.noTimestamp {
                timestamps.append(timestamp)
            }
        }
        return timestamps
    }
}
