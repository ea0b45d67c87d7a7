import CFFmpeg
import JumperCore

/// Decodes single frames at arbitrary times, for thumbnails.
public enum FrameExtractor {
    /// Decodes the frame on screen at `atSeconds`, counted from the stream's start time.
    ///
    /// A time past the end gives the last frame, and an image file gives its picture. The call
    /// seeks to the keyframe before the time and decodes forward, so it decodes at most one
    /// keyframe interval.
    ///
    /// - Parameters:
    ///   - path: a video or image file.
    ///   - atSeconds: the time of the frame; negative values mean 0.
    ///   - maxLongSide: the longest side of the result in pixels; smaller pictures are not enlarged.
    /// - Returns: the frame upright, in display orientation.
    /// - Throws: `MediaError` when the file cannot be opened or decoded, or has no video.
    /// The latest time a caller may ask for: 1,000 days, far beyond any media file.
    public static let maxSeconds: Double = 86_400_000

    public static func frame(path: String, atSeconds: Double, maxLongSide: Int) throws -> RGBImage {
        precondition(maxLongSide > 0, "maxLongSide must be positive")
        let input = try InputFile(path: path)
        let decoder = try VideoDecoder(input: input)
        let converter = FrameConverter(path: path, orientation: decoder.orientation)
        let sizing = FrameSizing.maxLongSide(maxLongSide)

        let startTime = decoder.stream.pointee.start_time
        let start = startTime == FFmpegSupport.noTimestamp ? 0 : startTime
        // Clamped so the conversion to microseconds below cannot overflow Int64; a time past
        // the end gives the last frame anyway.
        let seconds = min(max(0, atSeconds.isFinite ? atSeconds : 0), FrameExtractor.maxSeconds)
        let target =
            start + av_rescale_q(Int64(seconds * 1_000_000), AVRational(num: 1, den: 1_000_000), decoder.timeBase)

        if target > start {
            try decoder.seek(toKeyframeAtOrBefore: target)
        }
        if let image = try self.decodeFrame(
            atOrBefore: target,
            acceptingLaterFirstFrame: false,
            with: decoder,
            converter: converter,
            sizing: sizing
        ) {
            return image
        }
        // The seek landed past the target (an index that names keyframes by decoding time, or
        // none at all): decode from the start instead.
        try decoder.seek(toKeyframeAtOrBefore: start)
        if let image = try self.decodeFrame(
            atOrBefore: target,
            acceptingLaterFirstFrame: true,
            with: decoder,
            converter: converter,
            sizing: sizing
        ) {
            return image
        }
        throw MediaError.decodeFailed(
            path: path,
            function: "avcodec_receive_frame",
            reason: "no frame could be decoded"
        )
    }

    /// Decodes forward and converts the last frame presented at or before `time`. When the
    /// first decoded frame is already past `time`, returns nil, or that frame when
    /// `acceptingLaterFirstFrame` is true.
    private static func decodeFrame(
        atOrBefore time: Int64,
        acceptingLaterFirstFrame acceptsFirstFrame: Bool,
        with decoder: VideoDecoder,
        converter: FrameConverter,
        sizing: FrameSizing
    ) throws(MediaError) -> RGBImage? {
        let latestFrame = av_frame_alloc()!
        var latestFramePointer: UnsafeMutablePointer<AVFrame>? = latestFrame
        defer { av_frame_free(&latestFramePointer) }
        var hasLatestFrame = false

        while let frame = try decoder.decodeNextFrame() {
            let timestamp =
                frame.pointee.best_effort_timestamp != FFmpegSupport.noTimestamp
                ? frame.pointee.best_effort_timestamp : frame.pointee.pts
            if timestamp != FFmpegSupport.noTimestamp && timestamp > time && (hasLatestFrame || !acceptsFirstFrame) {
                break
            }
            av_frame_unref(latestFrame)
            av_frame_move_ref(latestFrame, frame)
            hasLatestFrame = true
            if timestamp != FFmpegSupport.noTimestamp && timestamp > time {
                break
            }
        }
        guard hasLatestFrame else { return nil }
        return try converter.convert(latestFrame, sizing: sizing)
    }
}
