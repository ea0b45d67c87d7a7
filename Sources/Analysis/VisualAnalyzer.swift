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
        let expectedFrames = max(1, sampler.estimatedFrameCount)
        var frameTimes: [Double] = []
        var vectors: [Float] = []
        var thumbnails: [[UInt8]] = []
        let scenes = SceneBoundaryDetector(path: info.path)
        var batch: [RGBImage] = []

        func flush() throws {
            guard !batch.isEmpty else { return }
            for vector in try self.model.embedImages(batch) {
                vectors.append(contentsOf: vector)
            }
            batch.removeAll(keepingCapacity: true)
        }

        while let frame = try sampler.nextFrame() {
            if self.isCancelled() { throw AnalysisCancelled() }
            frameTimes.append(Double(frame.index))
            scenes.add(frame)
            let thumbnail = ImageResizer.resized(frame.image, maxLongSide: Self.thumbnailLongSide)
            thumbnails.append(try JPEGEncoder.encode(thumbnail, quality: Self.thumbnailQuality))
            batch.append(frame.image)
            if batch.count == Self.batchSize {
                try flush()
                // Sampling and embedding take 90 % of the file's progress, the scene pass the rest.
                self.reportFraction(0.9 * min(1, Double(frameTimes.count) / Double(expectedFrames)))
            }
        }
        try flush()
        guard !frameTimes.isEmpty else {
            throw MediaError.unsupported(path: info.path, reason: "no picture could be decoded")
        }

        // Scene starts at frame precision: the detector decodes the seconds whose samples changed.
        let boundaries: [SceneBoundary]
        do {
            boundaries = try scenes.detectBoundaries(
                isCancelled: self.isCancelled,
                reportFraction: { fraction in self.reportFraction(0.9 + 0.09 * fraction) }
            )
        } catch is CancellationError {
            throw AnalysisCancelled()
        }
        let sceneStarts = [0] + boundaries.map(\.timeSeconds)

        return VisualAnalysis(
            hashString: info.hashString,
            sourcePath: info.path,
            modelKey: self.model.modelKey,
            dimension: self.model.dimension,
            duration: info.duration ?? Double(frameTimes.count),
            frameTimes: frameTimes,
            vectors: vectors,
            sceneStarts: sceneStarts,
            thumbnails: thumbnails
        )
    }
}
