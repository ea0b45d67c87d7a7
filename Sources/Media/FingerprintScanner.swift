import CFFmpeg

/// Decodes every frame of chosen time ranges of a video and fingerprints each at 64x36 pixels.
///
/// The decoder skips the loop filter, which changes pixels too little to move a fingerprint and
/// saves about a fifth of H.264 decoding. Ranges must be requested in increasing time order:
/// the scanner seeks only when the index has a keyframe past where decoding already is.
///
/// Not thread-safe: use an instance from one thread at a time.
final class FingerprintScanner {
    static let width = 64
    static let height = 36

    /// A fingerprinted frame and its presentation time in seconds after the first frame.
    struct Entry {
        let timeSeconds: Double
        let fingerprint: FrameFingerprint
    }

    private let decoder: VideoDecoder
    private let origin: Int64
    private let seekThreshold: Int64
    private let skipMargin: Int64
    private var scaleContext: OpaquePointer?
    private var pixels: [UInt8]
    private var lastDecodedTimestamp: Int64?
    /// The first frame decoded past the previous range, which may start the next one.
    private var pending: (timestamp: Int64, entry: Entry)?
    /// The number of frames decoded so far, for cost measurements.
    private(set) var decodedFrameCount = 0

    /// Opens `path`. Times count from the stream's start time, which is the first presented
    /// frame's time in the files FFmpeg's demuxers describe correctly.
    init(path: String) throws {
        let input = try InputFile(path: path)
        self.decoder = try VideoDecoder(input: input, skipsLoopFilter: true)
        let stream = self.decoder.stream.pointee
        self.origin = stream.start_time == FFmpegSupport.noTimestamp ? 0 : stream.start_time
        let timeBase = self.decoder.timeBase
        self.seekThreshold = av_rescale_q(1, AVRational(num: 1, den: 2), timeBase)
        let frameRate = stream.avg_frame_rate.num > 0 ? stream.avg_frame_rate : stream.r_frame_rate
        let frameDuration =
            frameRate.num > 0 && frameRate.den > 0
            ? av_rescale_q(1, av_inv_q(frameRate), timeBase) : av_rescale_q(1, AVRational(num: 1, den: 10), timeBase)
        self.skipMargin = 3 * frameDuration
        self.pixels = [UInt8](repeating: 0, count: Self.width * Self.height * 3)
    }

    deinit {
        sws_freeContext(self.scaleContext)
    }

    /// Decodes and fingerprints every frame presented from `startSeconds` to `endSeconds`
    /// (seconds after the stream's start), in presentation order.
    ///
    /// - Throws: `MediaError.decodeFailed` naming the FFmpeg call that failed.
    func frames(from startSeconds: Double, to endSeconds: Double) throws(MediaError) -> [Entry] {
        let start = self.timestamp(seconds: max(0, startSeconds))
        let end = self.timestamp(seconds: endSeconds)
        var entries: [Entry] = []
        if let pending = self.pending, pending.timestamp >= start, pending.timestamp <= end {
            entries.append(pending.entry)
        }
        self.pending = nil
        try self.seekIfWorthwhile(to: start)
        self.decoder.nonReferenceSkipLimit = start - self.skipMargin

        while let frame = try self.decoder.decodeNextFrame() {
            let timestamp = self.timestamp(of: frame)
            self.lastDecodedTimestamp = timestamp
            if timestamp < start {
                continue
            }
            self.decodedFrameCount += 1
            let entry = Entry(timeSeconds: self.seconds(timestamp - self.origin), fingerprint: try self.fingerprint(frame))
            if timestamp > end {
                self.pending = (timestamp, entry)
                break
            }
            if let last = entries.last, last.timeSeconds >= entry.timeSeconds {
                continue
            }
            entries.append(entry)
        }
        return entries
    }

    private func seekIfWorthwhile(to start: Int64) throws(MediaError) {
        guard let lastDecoded = self.lastDecodedTimestamp else {
            if start > self.origin + self.seekThreshold {
                try self.decoder.seek(toKeyframeAtOrBefore: start)
            }
            return
        }
        let isBehind = lastDecoded >= start
        let keyframe = self.decoder.indexedKeyframe(atOrBefore: start)
        let isKeyframeAhead = keyframe.map { $0 > lastDecoded + self.seekThreshold } ?? false
        if isBehind || isKeyframeAhead {
            try self.decoder.seek(toKeyframeAtOrBefore: start)
            self.pending = nil
        }
    }

    private func fingerprint(_ frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> FrameFingerprint {
        let width = Int32(Self.width)
        let height = Int32(Self.height)
        self.scaleContext = sws_getCachedContext(
            self.scaleContext,
            frame.pointee.width,
            frame.pointee.height,
            AVPixelFormat(rawValue: frame.pointee.format),
            width,
            height,
            AV_PIX_FMT_RGB24,
            SWS_BILINEAR,
            nil,
            nil,
            nil
        )
        guard let context = self.scaleContext else {
            throw MediaError.decodeFailed(
                path: self.decoder.path,
                function: "sws_getCachedContext",
                reason: "cannot convert pixel format \(frame.pointee.format) to RGB"
            )
        }
        let rows = self.pixels.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var destination: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            var destinationStrides: [Int32] = [width * 3, 0, 0, 0]
            return withUnsafePointer(to: &frame.pointee.data) { dataTuple in
                withUnsafePointer(to: &frame.pointee.linesize) { strideTuple in
                    let planes = UnsafeRawPointer(dataTuple).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
                    let strides = UnsafeRawPointer(strideTuple).assumingMemoryBound(to: Int32.self)
                    return sws_scale(context, planes, strides, 0, frame.pointee.height, &destination, &destinationStrides)
                }
            }
        }
        if rows <= 0 {
            try FFmpegSupport.check(rows < 0 ? rows : -1, "sws_scale", path: self.decoder.path)
        }
        return self.pixels.withUnsafeBufferPointer { buffer in
            FrameFingerprint(pixels: buffer, width: Self.width, height: Self.height, rowStride: Self.width * 3)
        }
    }

    private func timestamp(of frame: UnsafeMutablePointer<AVFrame>) -> Int64 {
        if frame.pointee.best_effort_timestamp != FFmpegSupport.noTimestamp {
            return frame.pointee.best_effort_timestamp
        }
        if frame.pointee.pts != FFmpegSupport.noTimestamp {
            return frame.pointee.pts
        }
        return (self.lastDecodedTimestamp ?? self.origin) + 1
    }

    private func timestamp(seconds: Double) -> Int64 {
        let clamped = min(seconds, FrameExtractor.maxSeconds)
        let microseconds = Int64(clamped * 1_000_000)
        return self.origin + av_rescale_q(microseconds, AVRational(num: 1, den: 1_000_000), self.decoder.timeBase)
    }

    private func seconds(_ duration: Int64) -> Double {
        Double(duration) * (FFmpegSupport.double(self.decoder.timeBase) ?? 0)
    }
}

/// A scanner contains decoder state that must not be used from two threads at once.
@available(*, unavailable)
extension FingerprintScanner: Sendable {}
