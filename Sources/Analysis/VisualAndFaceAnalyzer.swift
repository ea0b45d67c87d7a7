import AnalysisStore
import Faces
import Foundation
import JumperCore
import Media

/// Runs the visual and the face analysis of one file on a single decode. Each frame is
/// sampled once at the face resolution and goes to face detection as it is. The visual
/// analysis receives it downscaled to `VisualAnalyzer.frameShortSide` with the bicubic filter
/// that `FrameSampler` uses, which keeps its vectors close to those of a visual-only decode.
///
/// Decoding runs on a `FramePrefetcher` thread while this thread embeds, thumbnails and finds
/// faces, so the two overlap on two cores. A face failure stops only the face analysis: the
/// visual analysis continues and the failure is returned with it.
struct VisualAndFaceAnalyzer {
    let visual: VisualAnalyzer
    let faces: FaceAnalyzer
    let isCancelled: @Sendable () -> Bool

    /// Returns whether one decode can serve both analyses of `info`: the face frames must be
    /// at least as large as the visual frames, which are then only ever downscaled. Files with
    /// a shorter side under `VisualAnalyzer.frameShortSide` are decoded twice, because the
    /// visual analysis enlarges their frames and the face analysis does not.
    static func canShareDecode(info: MediaInfo) -> Bool {
        FaceAnalyzer.frameShortSide(for: info) >= VisualAnalyzer.frameShortSide
    }

    /// Decodes the file once and returns its visual analysis, ready to store, with the outcome
    /// of its face analysis.
    ///
    /// - Throws: the errors of `VisualAnalyzer.analyse(info:)`, `AnalysisCancelled`. Face
    ///   errors are returned in `faces` instead.
    func analyse(info: MediaInfo) throws -> (visual: VisualAnalysis, faces: Result<FaceAnalysis, any Error>) {
        let sampler = try FrameSampler(path: info.path, shortSide: FaceAnalyzer.frameShortSide(for: info))
        let expectedFrameCount = sampler.estimatedFrameCount
        var visualSession = VisualAnalysisSession(analyzer: self.visual, info: info, expectedFrameCount: expectedFrameCount)
        var faceSession = FaceAnalysisSession(analyzer: self.faces, info: info, expectedFrameCount: expectedFrameCount)
        var faceFailure: (any Error)?
        let scaler = RGBImageScaler()

        let frames = FramePrefetcher(sampler: sampler)
        frames.start()
        defer { frames.stop() }

        while let frame = try frames.next() {
            if self.isCancelled() { throw AnalysisCancelled() }
            if faceFailure == nil {
                do {
                    try faceSession.add(frame)
                } catch {
                    faceFailure = error
                }
            }
            let visualImage = scaler.scaled(frame.image, shortSide: VisualAnalyzer.frameShortSide)
            try visualSession.add(SampledFrame(index: frame.index, timeSeconds: frame.timeSeconds, image: visualImage))
        }

        let visualAnalysis = try visualSession.finish()
        if let faceFailure {
            return (visualAnalysis, .failure(faceFailure))
        }
        return (visualAnalysis, Result { try faceSession.finish() })
    }
}
