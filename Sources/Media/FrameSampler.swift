import CFFmpeg
import Foundation
import JumperCore

/// Decodes one frame per second of media time from a video or image file.
///
/// Frame N is the frame on screen at N seconds, measured from the first presented frame: the
/// last frame whose presentation time is at most N s. Frames continue while N s is before the
/// end of the last frame (its presentation time plus its duration), so a 30 s clip at 30 fps
/// yields frames 0 to 29. A clip under one second still yields frame 0, and an image file
/// yields exactly one frame. Output is upright (display orientation) and scaled so its shorter
/// side is `shortSide` pixels with the display aspect ratio kept.
///
/// Only the frames that are sampled are converted to RGB. When the demuxer's index shows a
/// keyframe between the current position and the next sampled time, the sampler seeks to it
/// instead of decoding the frames in between. Non-reference frames more than three frame
/// durations before the next sampled time are not decoded at all.
///
/// Not thread-safe: use an instance from one thread at a time (it may move between threads).
public final class FrameSampler {
    /// The path this sampler reads.
    public let path: String
    /// The shorter side of every output image, in pixels.
    public let shortSide: Int

    private let decoder: VideoDecoder
    private let converter: FrameConverter
    private let durationSeconds: Double?
    /// The video stream's own duration in seconds, when the container stores one.
    private let streamDurationSeconds: Double?
    /// One frame's time in stream time base units, from the average frame rate (0 if unknown).
    private let nominalFrameDuration: Int64
    /// The minimum distance (stream time base) from the last decoded frame to a keyframe worth
    /// seeking to. Shorter gaps are left to decoding, which avoids a decoder flush and restart.
    private let seekThreshold: Int64
    /// Whether non-reference frames well before each target are left undecoded.
    private let skipsNonReferenceFrames: Bool
    /// How far before a target (stream time base) frames must be decoded in full: three
    /// nominal frame durations, or 0.1 s when the frame rate is unknown.
    private let skipMargin: Int64

    private var origin: Int64?
    private var nextIndex = 0
    private var isFinished = false
    private var lastDecodedTimestamp: Int64?
    /// The index whose target a seek overshot; no further seeks happen until it is emitted.
    private var overshotIndex: Int?
    /// The last decoded timestamp before a forward seek, until the first frame after it is decoded.
    private var timestampBeforeSeek: Int64?
    /// False once a forward seek landed at or before where decoding already was. Demuxers do
    /// that when their index names keyframes they cannot start decoding from, such as the
    /// open-GOP (CRA) frames of HEVC in MP4, which FFmpeg 5.1's mov demuxer seeks past to the
    /// previous IDR frame.
    private var isSeekingUseful = true

    /// The last decoded frame whose presentation time is at most the current target.
    private let candidate: UnsafeMutablePointer<AVFrame>
    private var candidateTimestamp: Int64?
    private var candidateImage: RGBImage?
    /// A decoded frame past the current target, kept for the next target.
    private let pending: UnsafeMutablePointer<AVFrame>
    private var pendingTimestamp: Int64?

    /// Opens `path` for sampling.
    ///
    /// - Parameters:
    ///   - path: a video or image file.
    ///   - shortSide: the shorter side of every output image, in pixels (at least 1).
    ///   - seeksToKeyframes: whether to seek over frames between sampled times when the index
    ///     allows it; false decodes every frame up to each target (for benchmarks).
    ///   - skipsNonReferenceFrames: whether the decoder may drop non-reference frames that are
    ///     more than three frame durations before the next sampled time (for benchmarks).
    /// - Throws: `MediaError` when the file is missing, empty, not media, has no video stream,
    ///   is larger than `VideoDecoder.maxPixels`, or its decoder cannot be opened.
    public init(
        path: String,
        shortSide: Int = 256,
        seeksToKeyframes: Bool = true,
        skipsNonReferenceFrames: Bool = true
    ) throws {
        precondition(shortSide > 0, "shortSide must be positive")
        let input = try InputFile(path: path)
        let decoder = try VideoDecoder(input: input)
        self.path = path
        self.shortSide = shortSide
        self.decoder = decoder
        self.converter = FrameConverter(path: path, orientation: decoder.orientation)

        let stream = decoder.stream.pointee
        let timeBase = decoder.timeBase
        if stream.duration > 0 {
            self.streamDurationSeconds = Double(stream.duration) * (FFmpegSupport.double(timeBase) ?? 0)
        } else {
            self.streamDurationSeconds = nil
        }
        if let streamDurationSeconds = self.streamDurationSeconds {
            self.durationSeconds = streamDurationSeconds
        } else if input.formatContext.pointee.duration > 0 {
            self.durationSeconds = Double(input.formatContext.pointee.duration) / Double(cffmpeg_time_base())
        } else {
            self.durationSeconds = nil
        }
        let frameRate = stream.avg_frame_rate.num > 0 ? stream.avg_frame_rate : stream.r_frame_rate
        if frameRate.num > 0 && frameRate.den > 0 {
            self.nominalFrameDuration = av_rescale_q(1, av_inv_q(frameRate), timeBase)
        } else {
            self.nominalFrameDuration = 0
        }
        self.seekThreshold = av_rescale_q(1, AVRational(num: 1, den: 2), timeBase)
        self.isSeekingUseful = seeksToKeyframes
        self.skipsNonReferenceFrames = skipsNonReferenceFrames
        let tenthOfSecond = av_rescale_q(1, AVRational(num: 1, den: 10), timeBase)
        self.skipMargin = self.nominalFrameDuration > 0 ? 3 * self.nominalFrameDuration : tenthOfSecond
        self.candidate = av_frame_alloc()
        self.pending = av_frame_alloc()
    }

    deinit {
        var candidate: UnsafeMutablePointer<AVFrame>? = self.candidate
        av_frame_free(&candidate)
        var pending: UnsafeMutablePointer<AVFrame>? = self.pending
        av_frame_free(&pending)
    }

    /// The number of frames the file should yield, from its duration, for progress reports.
    /// It can be off by one from the real count, and is 1 for an image or an unknown duration.
    public var estimatedFrameCount: Int {
        guard let durationSeconds = self.durationSeconds, durationSeconds > 0 else { return 1 }
        return max(1, Int(durationSeconds.rounded(.up)))
    }

    /// Decodes and returns the next frame of the one-per-second grid, or nil after the last.
    ///
    /// - Throws: `MediaError.decodeFailed` naming the FFmpeg call that failed.
    public func nextFrame() throws -> SampledFrame? {
        if self.isFinished {
            return nil
        }
        while true {
            let frameTimestamp: Int64
            if let pendingTimestamp = self.pendingTimestamp {
                frameTimestamp = pendingTimestamp
            } else {
                try self.seekAheadIfWorthwhile()
                self.updateSkipLimit()
                guard let decoded = try self.decoder.decodeNextFrame() else {
                    return try self.frameAtEndOfStream()
                }
                frameTimestamp = self.timestamp(of: decoded)
                self.lastDecodedTimestamp = frameTimestamp
                if let before = self.timestampBeforeSeek {
                    self.timestampBeforeSeek = nil
                    if frameTimestamp <= before {
                        self.isSeekingUseful = false
                    }
                }
                av_frame_unref(self.pending)
                av_frame_move_ref(self.pending, decoded)
                self.pendingTimestamp = frameTimestamp
            }

            let origin = self.origin ?? frameTimestamp
            self.origin = origin
            let target = self.targetTimestamp(index: self.nextIndex, origin: origin)

            if frameTimestamp <= target {
                // The pending frame is the newest one on screen at the target: it becomes the candidate.
                av_frame_unref(self.candidate)
                av_frame_move_ref(self.candidate, self.pending)
                self.candidateTimestamp = frameTimestamp
                self.candidateImage = nil
                self.pendingTimestamp = nil
                continue
            }
            if self.candidateTimestamp != nil {
                return try self.emitCandidate()
            }
            // The first frame after a seek lies past the target: the keyframe the index named
            // was presented later than its decoding timestamp suggested. Start from an earlier one.
            try self.recoverFromOvershoot()
        }
    }

    // MARK: - Steps

    private func emitCandidate() throws(MediaError) -> SampledFrame {
        guard let candidateTimestamp = self.candidateTimestamp, let origin = self.origin else {
            preconditionFailure("emitCandidate needs a candidate frame")
        }
        let image: RGBImage
        if let cached = self.candidateImage {
            image = cached
        } else {
            image = try self.converter.convert(self.candidate, sizing: .shortSide(self.shortSide))
            self.candidateImage = image
        }
        let frame = SampledFrame(
            index: self.nextIndex,
            timeSeconds: self.seconds(candidateTimestamp - origin),
            image: image
        )
        self.nextIndex += 1
        return frame
    }

    /// Emits the last frame for every remaining second that starts before it ends, then checks
    /// that the stream was not cut short.
    private func frameAtEndOfStream() throws(MediaError) -> SampledFrame? {
        guard let origin = self.origin else {
            self.isFinished = true
            throw MediaError.decodeFailed(
                path: self.path,
                function: "avcodec_receive_frame",
                reason: "the video stream contains no decodable frame"
            )
        }
        var decodedEnd = self.lastDecodedTimestamp ?? origin
        if let candidateTimestamp = self.candidateTimestamp {
            let duration =
                self.candidate.pointee.pkt_duration > 0
                ? self.candidate.pointee.pkt_duration : self.nominalFrameDuration
            let end = candidateTimestamp + duration
            if self.nextIndex == 0 || self.targetTimestamp(index: self.nextIndex, origin: origin) < end {
                return try self.emitCandidate()
            }
            decodedEnd = max(decodedEnd, end)
        }
        self.isFinished = true
        try self.checkNotTruncated(decodedSeconds: self.seconds(decodedEnd - origin))
        return nil
    }

    /// Throws when decoding stopped well short of the duration the container's header gives
    /// the video stream: a file cut off after its header, as a copy still in progress leaves
    /// it. The tolerance of 10 % plus 1 s absorbs headers that round or count a last long frame.
    /// NOTE: Matroska and WebM rarely store a per-stream duration, so a cut-off WebM ends
    /// early without this error.
    private func checkNotTruncated(decodedSeconds: Double) throws(MediaError) {
        guard let expected = self.streamDurationSeconds, decodedSeconds < expected * 0.9 - 1 else {
            return
        }
        let decoded = String(format: "%.1f", decodedSeconds)
        let header = String(format: "%.1f", expected)
        throw MediaError.unreadable(
            path: self.path,
            reason: "the video data ends at \(decoded) s but the header says \(header) s "
                + "(the file is truncated or still being written)"
        )
    }

    private func seconds(_ duration: Int64) -> Double {
        Double(duration) * (FFmpegSupport.double(self.decoder.timeBase) ?? 0)
    }

    /// Seeks to the keyframe before the next target when it lies well past the last decoded frame.
    private func seekAheadIfWorthwhile() throws(MediaError) {
        guard let origin = self.origin, let lastDecoded = self.lastDecodedTimestamp,
            self.overshotIndex != self.nextIndex, self.isSeekingUseful
        else {
            return
        }
        let target = self.targetTimestamp(index: self.nextIndex, origin: origin)
        guard let keyframe = self.decoder.indexedKeyframe(atOrBefore: target),
            keyframe > lastDecoded + self.seekThreshold
        else {
            return
        }
        // Demuxers seek by presentation time: the mov demuxer skips a keyframe presented after
        // the requested time, so asking for the index entry (a decoding time) would land earlier.
        try self.decoder.seek(toKeyframeAtOrBefore: target)
        self.timestampBeforeSeek = lastDecoded
        // Frames between the old candidate and the keyframe were skipped, so it is stale.
        self.clearCandidate()
    }

    private func clearCandidate() {
        av_frame_unref(self.candidate)
        self.candidateTimestamp = nil
        self.candidateImage = nil
    }

    /// Lets the decoder drop non-reference frames presented well before the next target.
    ///
    /// A frame more than `skipMargin` before the target cannot be the one on screen at the
    /// target as long as some frame lies within the margin, which holds for constant frame
    /// rates. NOTE: in variable-frame-rate video with a gap longer than the margin just before
    /// a target, the sampled frame can be up to one run of non-reference frames earlier.
    private func updateSkipLimit() {
        guard self.skipsNonReferenceFrames, let origin = self.origin, self.candidateTimestamp != nil else {
            self.decoder.nonReferenceSkipLimit = Int64.min
            return
        }
        let target = self.targetTimestamp(index: self.nextIndex, origin: origin)
        self.decoder.nonReferenceSkipLimit = target - self.skipMargin
    }

    private func recoverFromOvershoot() throws(MediaError) {
        self.overshotIndex = self.nextIndex
        guard let pendingTimestamp = self.pendingTimestamp,
            let earlier = self.decoder.indexedKeyframe(atOrBefore: pendingTimestamp - max(1, self.seekThreshold))
        else {
            // No earlier keyframe is known: sample the frame we have rather than fail.
            av_frame_unref(self.candidate)
            av_frame_move_ref(self.candidate, self.pending)
            self.candidateTimestamp = self.pendingTimestamp
            self.candidateImage = nil
            self.pendingTimestamp = nil
            return
        }
        av_frame_unref(self.pending)
        self.pendingTimestamp = nil
        self.lastDecodedTimestamp = nil
        try self.decoder.seek(toKeyframeAtOrBefore: earlier)
    }

    // MARK: - Time

    private func targetTimestamp(index: Int, origin: Int64) -> Int64 {
        // floor(index * den / num) in stream units: a frame at exactly N s counts as on screen at N.
        let timeBase = self.decoder.timeBase
        return origin + av_rescale_rnd(Int64(index), Int64(timeBase.den), Int64(timeBase.num), AV_ROUND_DOWN)
    }

    private func timestamp(of frame: UnsafeMutablePointer<AVFrame>) -> Int64 {
        let bestEffort = frame.pointee.best_effort_timestamp
        if bestEffort != FFmpegSupport.noTimestamp {
            return bestEffort
        }
        if frame.pointee.pts != FFmpegSupport.noTimestamp {
            return frame.pointee.pts
        }
        // No timestamp at all: assume the nominal frame rate after the previous frame.
        return (self.lastDecodedTimestamp ?? 0) + max(1, self.nominalFrameDuration)
    }
}

/// A sampler contains decoder state that must not be used from two threads at once.
@available(*, unavailable)
extension FrameSampler: Sendable {}
