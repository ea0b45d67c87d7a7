import AnalysisStore
import Foundation
import Inference
import JumperCore
import Media

/// Thrown inside a file's analysis when the task was asked to stop.
struct AnalysisCancelled: Error {}

/// Analyses the pictures of one file: one frame per second, embedded, thumbnailed, cut into scenes.
struct VisualAnalyzer {
    /// The shorter side of sampled frames; the default model centre-crops 224 out of it.
    static let frameShortSide = 256
    /// The longer side of the stored per-frame thumbnails that search results show.
    static let thumbnailLongSide = 320
    static let thumbnailQuality = 75
    /// Frames embedded in one model call; batching lets each layer run as one larger GEMM.
    static let batchSize = 8

    let model: any VisualEmbeddingModel
    let isCancelled: @Sendable () -> Bool
    /// Receives the fraction of the file done, 0 to 1.
    let reportFraction: (Double) -> Void

    /// Decodes and embeds the file and returns its analysis, ready to store.
    func analyse(info: MediaInfo) throws -> VisualAnalysis {
        let sampler = try FrameSampler(path: info.path, shortSide: Self.frameShortSide)
        var session = VisualAnalysisSession(analyzer: self, info: info, expectedFrameCount: sampler.estimatedFrameCount)
        while let frame = try sampler.nextFrame() {
            if self.isCancelled() { throw AnalysisCancelled() }
            try session.add(frame)
        }
        return try session.finish()
    }
}

/// One file's visual analysis while its frames arrive in time order: embeddings in batches,
/// thumbnails and the scene detector's samples. `finish()` finds the scenes and returns the
/// analysis. Frames must have the shorter side `VisualAnalyzer.frameShortSide`, the size the
/// model and the scene detector's thresholds were tuned on.
struct VisualAnalysisSession {
    private let analyzer: VisualAnalyzer
    private let info: MediaInfo
    private let expectedFrameCount: Int
    private let scenes: SceneBoundaryDetector
    private var frameTimes: [Double] = []
    private var vectors: [Float] = []
    private var thumbnails: [[UInt8]] = []
    private var batch: [RGBImage] = []

    init(analyzer: VisualAnalyzer, info: MediaInfo, expectedFrameCount: Int) {
        self.analyzer = analyzer
        self.info = info
        self.expectedFrameCount = max(1, expectedFrameCount)
        self.scenes = SceneBoundaryDetector(path: info.path)
    }

    /// Adds the next sampled frame; embeds the batch once it is full.
    mutating func add(_ frame: SampledFrame) throws {
        self.frameTimes.append(Double(frame.index))
        self.scenes.add(frame)
        let thumbnail = ImageResizer.resized(frame.image, maxLongSide: VisualAnalyzer.thumbnailLongSide)
        self.thumbnails.append(try JPEGEncoder.encode(thumbnail, quality: VisualAnalyzer.thumbnailQuality))
        self.batch.append(frame.image)
        if self.batch.count == VisualAnalyzer.batchSize {
            try self.flush()
            // Sampling and embedding take 90 % of the file's progress, the scene pass the rest.
            let fraction = min(1, Double(self.frameTimes.count) / Double(self.expectedFrameCount))
            self.analyzer.reportFraction(0.9 * fraction)
        }
    }

    /// Embeds the last batch, finds the scene starts and returns the analysis.
    ///
    /// - Throws: `MediaError.unsupported` when no frame was added, `AnalysisCancelled`.
    mutating func finish() throws -> VisualAnalysis {
        try self.flush()
        guard !self.frameTimes.isEmpty else {
            throw MediaError.unsupported(path: self.info.path, reason: "no picture could be decoded")
        }

        // Scene starts at frame precision: the detector decodes the seconds whose samples changed.
        let boundaries: [SceneBoundary]
        let analyzer = self.analyzer
        do {
            boundaries = try self.scenes.detectBoundaries(
                isCancelled: analyzer.isCancelled,
                reportFraction: { fraction in analyzer.reportFraction(0.9 + 0.09 * fraction) }
            )
        } catch is CancellationError {
            throw AnalysisCancelled()
        }
        let sceneStarts = [0] + boundaries.map(\.timeSeconds)

        return VisualAnalysis(
            hashString: self.info.hashString,
            sourcePath: self.info.path,
            modelKey: analyzer.model.modelKey,
            dimension: analyzer.model.dimension,
            duration: self.info.duration ?? Double(self.frameTimes.count),
            frameTimes: self.frameTimes,
            vectors: self.vectors,
            sceneStarts: sceneStarts,
            thumbnails: self.thumbnails
        )
    }

    private mutating func flush() throws {
        guard !self.batch.isEmpty else { return }
        for vector in try self.analyzer.model.embedImages(self.batch) {
            self.vectors.append(contentsOf: vector)
        }
        self.batch.removeAll(keepingCapacity: true)
    }
}
