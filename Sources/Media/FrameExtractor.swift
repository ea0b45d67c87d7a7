import CFFmpeg
import JumperCore

/// Decodes single frames at arbitrary times, for thumbnails.
public enum FrameExtractor {
    /// The latest time a caller may ask for: 1,000 days, far beyond any media file.
    public static let maxSeconds: Double = 86_400_000

    /// Decodes the frame on screen at `atSeconds`, counted from the first presented frame.
    ///
    /// The frame on screen is the last one presented at or before the time, as `FrameSampler`
    /// defines it, so MPEG-TS, MPEG-PS, MP4 and Matroska files whose timestamps start above zero
    /// give the same frames as analysis. An image file gives its picture at any time. The call
    /// decodes the first frame, seeks to a keyframe before the time and decodes forward. When
    /// the first frame after a seek lies past the time (demuxers such as MPEG-TS seek to
    /// packets that are not keyframes), it seeks 1, 2, 4, ... s further back, and in the end
    /// decodes from the start.
    ///
    /// - Parameters:
    ///   - path: a video or image file.
    ///   - atSeconds: the time of the frame; negative values mean 0.
    ///   - maxLongSide: the longest side of the result in pixels; smaller pictures are not enlarged.
    /// - Returns: the frame upright, in display orientation.
    /// - Throws: `MediaError.timeBeyondEnd` when the time is at or after the end of the last
    ///   frame, and other `MediaError` cases when the file cannot be opened or decoded, or has
    ///   no video.
    public static func frame(path: String, atSeconds: Double, maxLongSide: Int) throws -> RGBImage {
        precondition(maxLongSide > 0, "maxLongSide must be positive")
        let input = try InputFile(path: path)
        let decoder = try VideoDecoder(input: input)
        let converter = FrameConverter(path: path, orientation: decoder.orientation)
        let sizing = FrameSizing.maxLongSide(maxLongSide)
        let search = FrameSearch(decoder: decoder)

        try search.decodeFirstFrame()
        if MediaProbe.isStillImage(decoder.stream, formatName: input.formatName) {
            return try converter.convert(search.candidate, sizing: sizing)
        }
        let seconds = min(max(0, atSeconds.isFinite ? atSeconds : 0), FrameExtractor.maxSeconds)
        let target = search.origin + search.ticks(seconds: seconds)
        try search.moveToFrame(atOrBefore: target, containerSeconds: input.durationSeconds)
        try search.decodeForward(to: target, requestedSeconds: seconds)
        return try converter.convert(search.candidate, sizing: sizing)
    }
}

/// The state of one `FrameExtractor` call: the decoder and the latest frame presented at or
/// before the target, which becomes the result.
private final class FrameSearch {
    let decoder: VideoDecoder
    /// The last decoded frame presented at or before the target.
    let candidate: UnsafeMutablePointer<AVFrame>
    var candidateTimestamp: Int64 = 0
    /// The presentation timestamp of the first frame, which times count from.
    var origin: Int64 = 0
    /// One frame's duration from the average frame rate, in stream time base units (0 if unknown).
    let nominalFrameDuration: Int64

    init(decoder: VideoDecoder) {
        self.decoder = decoder
        self.candidate = av_frame_alloc()!
        let stream = decoder.stream.pointee
        let frameRate = stream.avg_frame_rate.num > 0 ? stream.avg_frame_rate : stream.r_frame_rate
        if frameRate.num > 0 && frameRate.den > 0 {
            self.nominalFrameDuration = av_rescale_q(1, av_inv_q(frameRate), decoder.timeBase)
        } else {
            self.nominalFrameDuration = 0
        }
    }

    deinit {
        var candidate: UnsafeMutablePointer<AVFrame>? = self.candidate
        av_frame_free(&candidate)
    }

    /// Converts seconds to stream time base units, rounding down after rounding to whole
    /// microseconds, so a frame at exactly N s counts as on screen at N s.
    func ticks(seconds: Double) -> Int64 {
        let microseconds = Int64((seconds * 1_000_000).rounded())
        let timeBase = self.decoder.timeBase
        return av_rescale_rnd(
            microseconds,
            Int64(timeBase.den),
            Int64(timeBase.num) * 1_000_000,
            AV_ROUND_DOWN
        )
    }

    func seconds(ticks: Int64) -> Double {
        Double(ticks) * (FFmpegSupport.double(self.decoder.timeBase) ?? 0)
    }

    /// Decodes the file's first frame into `candidate` and takes its timestamp as the origin.
    func decodeFirstFrame() throws(MediaError) {
        guard let frame = try self.decoder.decodeNextFrame() else {
            throw MediaError.decodeFailed(
                path: self.decoder.path,
                function: "avcodec_receive_frame",
                reason: "the video stream contains no decodable frame"
            )
        }
        self.origin = self.timestamp(of: frame, previous: nil)
        self.take(frame, timestamp: self.origin)
    }

    /// Positions the decoder so that `candidate` is a frame presented at or before `target`
    /// and the next decoded frame follows it. Targets within two seconds of the origin are
    /// reached by decoding from the first frame, which is already the candidate.
    func moveToFrame(atOrBefore target: Int64, containerSeconds: Double?) throws(MediaError) {
        let oneSecond = self.ticks(seconds: 1)
        guard target - self.origin > 2 * oneSecond else { return }
        // A seek past the container's end lands at its last packets anyway, so the back-off
        // starts there and a request far past the end needs few seeks.
        var latestStart = target
        if let containerSeconds {
            latestStart = min(target, self.origin + self.ticks(seconds: containerSeconds))
        }
        var backOff: Int64 = 0
        while latestStart - backOff > self.origin + oneSecond {
            try self.decoder.seek(toKeyframeAtOrBefore: latestStart - backOff)
            // A frame without its own PTS after a seek gets a timestamp guessed from where the
            // seek landed, which in MPEG-PS can be seconds off, so it cannot confirm the seek.
            // NOTE: MPEG-PS keyframes often have no PTS, so a thumbnail late in a long MPEG-PS
            // file can end up decoding from the start.
            if let frame = try self.decoder.decodeNextFrame(), frame.pointee.pts != FFmpegSupport.noTimestamp {
                let timestamp = frame.pointee.pts
                if timestamp <= target {
                    self.take(frame, timestamp: timestamp)
                    return
                }
            }
            backOff = backOff == 0 ? oneSecond : 2 * backOff
        }
        try self.rewind()
    }

    /// Decodes forward from `candidate` until the next frame lies past `target`.
    ///
    /// - Throws: `MediaError.timeBeyondEnd` when the stream ends and the last frame ended at
    ///   or before `target`.
    func decodeForward(to target: Int64, requestedSeconds: Double) throws(MediaError) {
        while let frame = try self.decoder.decodeNextFrame() {
            let timestamp = self.timestamp(of: frame, previous: self.candidateTimestamp)
            if timestamp > target {
                return
            }
            self.take(frame, timestamp: timestamp)
        }
        let frameDuration =
            self.candidate.pointee.pkt_duration > 0 ? self.candidate.pointee.pkt_duration : self.nominalFrameDuration
        let end = self.candidateTimestamp + frameDuration
        if target >= end && target > self.origin {
            throw MediaError.timeBeyondEnd(
                path: self.decoder.path,
                requestedSeconds: requestedSeconds,
                durationSeconds: self.seconds(ticks: end - self.origin)
            )
        }
    }

    /// Seeks back to the first frame with `VideoDecoder.seekToStart` and makes it the
    /// candidate again.
    private func rewind() throws(MediaError) {
        try self.decoder.seekToStart()
        guard let frame = try self.decoder.decodeNextFrame() else {
            throw MediaError.decodeFailed(
                path: self.decoder.path,
                function: "avcodec_receive_frame",
                reason: "no frame could be decoded after seeking back to the start"
            )
        }
        self.take(frame, timestamp: self.timestamp(of: frame, previous: nil))
    }

    private func take(_ frame: UnsafeMutablePointer<AVFrame>, timestamp: Int64) {
        av_frame_unref(self.candidate)
        av_frame_move_ref(self.candidate, frame)
        self.candidateTimestamp = timestamp
    }

    /// Returns the frame's PTS, or else one frame duration after `previous`, or else its
    /// best-effort timestamp. MPEG-PS stores a PTS on only some frames, and FFmpeg's guesses for
    /// the others go wrong after a seek, so they count on from the last frame instead.
    private func timestamp(of frame: UnsafeMutablePointer<AVFrame>, previous: Int64?) -> Int64 {
        if frame.pointee.pts != FFmpegSupport.noTimestamp {
            return frame.pointee.pts
        }
        if let previous {
            let duration = frame.pointee.pkt_duration > 0 ? frame.pointee.pkt_duration : self.nominalFrameDuration
            return previous + max(1, duration)
        }
        if frame.pointee.best_effort_timestamp != FFmpegSupport.noTimestamp {
            return frame.pointee.best_effort_timestamp
        }
        return 0
    }
}
