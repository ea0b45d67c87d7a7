import JumperCore

/// A point where one shot ends and the next begins.
public struct SceneBoundary: Sendable, Equatable {
    /// The kind of change between the shots.
    public enum Kind: String, Sendable {
        /// From one frame to the next; `timeSeconds` is the first frame of the new shot.
        case cut
        /// A fade or dissolve; `timeSeconds` is the frame halfway through the change.
        case gradual
    }

    /// Seconds after the first presented frame.
    public let timeSeconds: Double
    public let kind: Kind

    public init(timeSeconds: Double, kind: Kind) {
        self.timeSeconds = timeSeconds
        self.kind = kind
    }
}

/// Finds hard cuts at frame precision and fades and dissolves at about a second.
///
/// It works in two passes so that it costs little more than the one-frame-per-second sampling
/// it rides on:
/// 1. `add(_:)` fingerprints each sampled frame. A second whose two samples differ by more
///    than `candidateChange` may contain a boundary.
/// 2. `detectBoundaries` decodes every frame of those seconds, plus `windowPadding` on each
///    side, at 64x36 pixels (`FingerprintScanner`) and looks at the change between
///    consecutive frames. A change of at least 1 (see `FrameFingerprint.change(from:)`) and at
///    least `localContrast` times the change over two frames on either side is a cut, unless
///    the picture returns to a frame seen within `flashSpan` before it: that is a flash.
///    Motion and dissolves raise the change of the neighbouring frames too, so a fast pan
///    passes no cut. Between cuts, a stretch without steady motion whose first and last
///    frames differ in colour by `gradualHistogramDistance` or more may contain a fade or a
///    dissolve. It is a fade when a frame in it is nearly black, and a dissolve when its
///    middle frame is a mix of its ends (`isMix`). The boundary is where half the stretch's
///    frame-to-frame change has happened.
///
/// NOTE: the second pass decodes about 1.7 s per changed second, from the keyframe before it.
/// Footage that cuts every 2 to 3 s therefore costs about one more full decode. On the test
/// videos the pass added 106 % to 125 % to the CPU time of sampling.
///
/// Not thread-safe: use an instance from one thread at a time.
public final class SceneBoundaryDetector {
    /// Grid distance (mean luma change, 0-1) that counts as one unit of change.
    static let cutGridDistance: Float = 0.10
    /// Histogram distance (0-1) that counts as one unit of change.
    static let cutHistogramDistance: Float = 0.25
    /// Change between consecutive one-second samples above which the second is scanned.
    static let candidateChange: Float = 0.3
    /// How many times the change over two frames on either side a cut must reach.
    static let localContrast: Float = 2
    /// Change below which two frames count as the same picture, for the flash test.
    static let samePictureChange: Float = 0.4
    /// Seconds before and after a cut searched for the same picture, for the flash test.
    static let flashSpan = 0.3
    /// Seconds decoded before and after each candidate second.
    static let windowPadding = 0.35
    /// Histogram distance between a window's ends that marks a fade or dissolve.
    static let gradualHistogramDistance: Float = 0.2
    /// Largest ratio of the grid path through a transition's middle frame to the direct grid
    /// distance, for a dissolve.
    static let mixPathRatio: Float = 1.25
    /// Mean luma (0-1) below which a frame is the black in the middle of a fade.
    static let fadeLuma: Float = 0.08
    /// Median grid change per frame from which a stretch counts as camera or subject motion.
    static let movingGridDistance: Float = 0.015

    /// The file this detector scans.
    public let path: String
    private var samples: [(timeSeconds: Double, fingerprint: FrameFingerprint)] = []
    /// Frames decoded by the last `detectBoundaries` call, for cost measurements.
    public private(set) var scannedFrameCount = 0

    public init(path: String) {
        self.path = path
    }

    /// Adds the next sampled frame, in time order.
    public func add(_ frame: SampledFrame) {
        self.samples.append((frame.timeSeconds, FrameFingerprint(frame.image)))
    }

    /// Scans the seconds where the samples changed and returns the boundaries, in time order.
    ///
    /// When a scan cannot decode the file, each changed second whose samples differ like a
    /// cut gets a boundary at its later sample, which is one-second precision.
    ///
    /// - Parameters:
    ///   - isCancelled: checked between windows; returning true stops with `CancellationError`.
    ///   - reportFraction: receives the fraction of the candidate windows scanned, 0 to 1.
    /// - Throws: `CancellationError` when cancelled. Decoding errors fall back as described.
    public func detectBoundaries(
        isCancelled: () -> Bool = { false },
        reportFraction: (Double) -> Void = { _ in }
    ) throws -> [SceneBoundary] {
        let windows = self.candidateWindows()
        guard !windows.isEmpty else { return [] }
        var boundaries: [SceneBoundary] = []
        do {
            let scanner = try FingerprintScanner(path: self.path)
            for (position, window) in windows.enumerated() {
                if isCancelled() { throw CancellationError() }
                reportFraction(Double(position) / Double(windows.count))
                let frames = try scanner.frames(from: window.start, to: window.end)
                if frames.count < 2 {
                    boundaries += self.sampledBoundaries(in: window)
                } else {
                    let seconds = window.sampleIndices.map { (self.samples[$0 - 1].timeSeconds, self.samples[$0].timeSeconds) }
                    boundaries += Self.boundaries(in: frames, changedSeconds: seconds)
                }
            }
            self.scannedFrameCount = scanner.decodedFrameCount
        } catch is MediaError {
            boundaries = windows.flatMap { self.sampledBoundaries(in: $0) }
        }
        return Self.cleaned(boundaries)
    }

    // MARK: - Candidates

    /// A time range to scan, with the indices of the samples whose change started it.
    struct Window {
        var start: Double
        var end: Double
        var sampleIndices: [Int]
    }

    func candidateWindows() -> [Window] {
        var windows: [Window] = []
        for index in self.samples.indices.dropFirst() {
            let change = self.samples[index].fingerprint.change(from: self.samples[index - 1].fingerprint)
            guard change >= Self.candidateChange else { continue }
            let start = self.samples[index - 1].timeSeconds - Self.windowPadding
            let end = self.samples[index].timeSeconds + Self.windowPadding
            if var last = windows.last, start <= last.end {
                last.end = end
                last.sampleIndices.append(index)
                windows[windows.count - 1] = last
            } else {
                windows.append(Window(start: start, end: end, sampleIndices: [index]))
            }
        }
        return windows
    }

    /// Returns a boundary at each sample that changed like a cut: the one-second fallback.
    private func sampledBoundaries(in window: Window) -> [SceneBoundary] {
        window.sampleIndices.compactMap { index in
            let change = self.samples[index].fingerprint.change(from: self.samples[index - 1].fingerprint)
            return change >= 1 ? SceneBoundary(timeSeconds: self.samples[index].timeSeconds, kind: .cut) : nil
        }
    }

    // MARK: - Frame-by-frame analysis

    /// Finds cuts and gradual changes among consecutive fingerprinted frames.
    ///
    /// Boundaries count only inside `changedSeconds`, the spans between two samples that
    /// differed. A boundary elsewhere would have changed its own samples, and near the window's
    /// ends the flash test lacks the frames it needs.
    static func boundaries(
        in frames: [FingerprintScanner.Entry],
        changedSeconds: [(after: Double, upTo: Double)]
    ) -> [SceneBoundary] {
        var changes = [Float](repeating: 0, count: frames.count)
        for index in 1..<frames.count {
            changes[index] = frames[index].fingerprint.change(from: frames[index - 1].fingerprint)
        }
        // Hard cuts: a change far larger than the change on each side, which does not come back.
        var cuts: [Int] = []
        for index in 1..<frames.count {
            let change = changes[index]
            guard self.isInside(frames[index].timeSeconds, changedSeconds) else {
                continue
            }
            guard change >= 1, change >= self.localContrast * self.surroundingChange(at: index, in: frames),
                !self.isFlash(at: index, in: frames)
            else {
                continue
            }
            // Of two cuts on consecutive frames (a blended frame at the cut), keep the larger.
            if let last = cuts.last, last == index - 1 {
                if changes[last] >= change {
                    continue
                }
                cuts.removeLast()
            }
            cuts.append(index)
        }
        var boundaries = cuts.map { SceneBoundary(timeSeconds: frames[$0].timeSeconds, kind: .cut) }

        // Gradual changes: a colour change from one end of a cut-free stretch to the other.
        let edges = [0] + cuts + [frames.count]
        for (first, next) in zip(edges, edges.dropFirst()) where next - first >= 3 {
            let last = next - 1
            let distance = frames[last].fingerprint.histogramDistance(to: frames[first].fingerprint)
            guard distance >= self.gradualHistogramDistance, !self.isMoving(frames[first...last]) else { continue }
            let total = changes[(first + 1)...last].reduce(0, +)
            var running: Float = 0
            var middle = last
            for index in (first + 1)...last {
                running += changes[index]
                if running >= total / 2 {
                    middle = index
                    break
                }
            }
            let isFadeThroughBlack = frames[first...last].contains { $0.fingerprint.meanLuma < self.fadeLuma }
            let isDissolve = self.isMix(frames[first].fingerprint, frames[middle].fingerprint, frames[last].fingerprint)
            if (isFadeThroughBlack || isDissolve) && self.isInside(frames[middle].timeSeconds, changedSeconds) {
                boundaries.append(SceneBoundary(timeSeconds: frames[middle].timeSeconds, kind: .gradual))
            }
        }
        return boundaries.sorted { $0.timeSeconds < $1.timeSeconds }
    }

    /// Returns the larger change over two frames on either side of the change at `index`: from
    /// frame `index - 3` to `index - 1`, and from `index` to `index + 2`. Both are small at a
    /// cut. In a dissolve or a pan they are about twice the change per frame.
    static func surroundingChange(at index: Int, in frames: [FingerprintScanner.Entry]) -> Float {
        var surrounding: Float = 0
        if index >= 2 {
            let earlier = max(0, index - 3)
            surrounding = frames[index - 1].fingerprint.change(from: frames[earlier].fingerprint)
        }
        if index + 1 < frames.count {
            let later = min(frames.count - 1, index + 2)
            surrounding = max(surrounding, frames[later].fingerprint.change(from: frames[index].fingerprint))
        }
        return surrounding
    }

    /// True when the picture moves in most frames of `frames`: the median grid change from one
    /// frame to the next is at least `movingGridDistance`. A dissolve changes the grid in small
    /// steps and the padding around it not at all, so its median stays below.
    static func isMoving(_ frames: ArraySlice<FingerprintScanner.Entry>) -> Bool {
        let steps = zip(frames, frames.dropFirst()).map { $1.fingerprint.gridDistance(to: $0.fingerprint) }.sorted()
        guard !steps.isEmpty else { return false }
        return steps[steps.count / 2] >= self.movingGridDistance
    }

    private static func isInside(_ time: Double, _ spans: [(after: Double, upTo: Double)]) -> Bool {
        spans.contains { time > $0.after + 0.001 && time <= $0.upTo + 0.001 }
    }

    /// True when `middle` lies between `first` and `last` as a dissolve's middle frame does:
    /// the grid distances through it add up to at most `mixPathRatio` times the direct
    /// distance. In a dissolve each grid cell moves straight from one shot's value to the
    /// other's, so the ratio is 1 plus noise. The test videos' fast zooms measured 1.5 and
    /// their pans more.
    static func isMix(_ first: FrameFingerprint, _ middle: FrameFingerprint, _ last: FrameFingerprint) -> Bool {
        let direct = last.gridDistance(to: first)
        let path = middle.gridDistance(to: first) + last.gridDistance(to: middle)
        return path <= self.mixPathRatio * direct
    }

    /// True when some frame up to `flashSpan` after the change at `index` shows the same
    /// picture as some frame up to `flashSpan` before it: a flash, a glitch or a single odd
    /// frame rather than a new shot.
    static func isFlash(at index: Int, in frames: [FingerprintScanner.Entry]) -> Bool {
        let changeTime = frames[index].timeSeconds
        var before = index - 1
        while before > 0 && changeTime - frames[before - 1].timeSeconds <= self.flashSpan {
            before -= 1
        }
        var after = index
        while after + 1 < frames.count && frames[after + 1].timeSeconds - changeTime <= self.flashSpan {
            after += 1
        }
        for earlier in before..<index {
            for later in index...after where later > index || earlier < index - 1 {
                if frames[later].fingerprint.change(from: frames[earlier].fingerprint) < self.samePictureChange {
                    return true
                }
            }
        }
        return false
    }

    /// Sorts boundaries and drops those at time 0, cuts within 0.1 s of an earlier boundary,
    /// and fades or dissolves within 0.5 s of a cut or 1 s of an earlier fade or dissolve.
    static func cleaned(_ boundaries: [SceneBoundary]) -> [SceneBoundary] {
        let sorted = boundaries.sorted { $0.timeSeconds < $1.timeSeconds }.filter { $0.timeSeconds > 0.001 }
        let cutTimes = sorted.filter { $0.kind == .cut }.map(\.timeSeconds)
        var result: [SceneBoundary] = []
        for boundary in sorted {
            switch boundary.kind {
            case .cut:
                if let previous = result.last, boundary.timeSeconds - previous.timeSeconds < 0.1 {
                    continue
                }
            case .gradual:
                let nearCut = cutTimes.contains { abs($0 - boundary.timeSeconds) < 0.5 }
                let previousGradual = result.last { $0.kind == .gradual }?.timeSeconds ?? -.infinity
                if nearCut || boundary.timeSeconds - previousGradual < 1 {
                    continue
                }
            }
            result.append(boundary)
        }
        return result
    }
}

/// A detector collects fingerprints without a lock.
@available(*, unavailable)
extension SceneBoundaryDetector: Sendable {}
