import Faces
import Foundation
import JumperCore
import Media

/// Finds the faces of one file: one frame per second, with boxes, embeddings and JPEG crops.
struct FaceAnalyzer {
    /// Shorter side of the frames passed to the detector, capped at the file's own. At 720 a
    /// 16:9 frame is 1280x720, the input size at which FacesBenchmark measured the HOG
    /// detector at 155 ms per frame.
    static let frameShortSide = 720
    /// Smallest face kept, in pixels of the 720-pixel frame: the HOG detector's 80x80 window,
    /// about 11 % of the frame height (120 px in 1080p footage). Smaller faces are skipped.
    static let minFaceSize = 80
    static let cropQuality = 80

    let engine: FaceEngine
    let isCancelled: @Sendable () -> Bool
    /// Receives the fraction of the file done, 0 to 1.
    let reportFraction: (Double) -> Void

    /// Decodes the file's frames, finds their faces and returns the analysis, ready to store.
    func analyse(info: MediaInfo) throws -> FaceAnalysis {
        let displayedWidth = info.width ?? 0
        let displayedHeight = info.height ?? 0
        let displayedShortSide = min(displayedWidth, displayedHeight)
        let shortSide = displayedShortSide > 0 ? min(Self.frameShortSide, displayedShortSide) : Self.frameShortSide
        let sampler = try FrameSampler(path: info.path, shortSide: shortSide)
        let expectedFrames = max(1, sampler.estimatedFrameCount)
        let options = FaceDetectionOptions(detector: .hog, minFaceSize: Self.minFaceSize)

        // decoding runs one thread ahead, so it overlaps with detection on a second core
        let frames = FramePrefetcher(sampler: sampler)
        frames.start()
        defer { frames.stop() }

        var faces: [FaceRecord] = []
        var frameCount = 0
        var toDisplayed = 1.0
        var frameSize = (width: displayedWidth, height: displayedHeight)
        while let frame = try frames.next() {
            if self.isCancelled() { throw AnalysisCancelled() }
            if frameSize.width <= 0 || frameSize.height <= 0 {
                frameSize = (frame.image.width, frame.image.height)
            }
            // boxes are stored in pixels of the displayed frame, whatever size was sampled
            toDisplayed = Double(frameSize.width) / Double(frame.image.width)
            let detected = try self.engine.detectFaces(in: frame.image, options: options)
            for (number, face) in detected.enumerated() {
                faces.append(
                    FaceRecord(
                        faceID: FaceAnalysis.faceID(hashString: info.hashString, frameIndex: frame.index, number: number),
                        hashString: info.hashString,
                        mediaPath: info.path,
                        frameIndex: frame.index,
                        timestampSeconds: Double(frame.index),
                        box: face.box.scaled(by: toDisplayed),
                        score: face.score,
                        embedding: face.embedding,
                        cropJPEG: try JPEGEncoder.encode(face.crop, quality: Self.cropQuality)
                    )
                )
            }
            frameCount += 1
            self.reportFraction(min(0.99, Double(frameCount) / Double(expectedFrames)))
        }
        guard frameCount > 0 else {
            throw MediaError.unsupported(path: info.path, reason: "no picture could be decoded")
        }
        return FaceAnalysis(
            hashString: info.hashString,
            sourcePath: info.path,
            modelKey: FaceEngine.modelKey,
            detector: options.detector.rawValue,
            minFaceSize: Int((Double(Self.minFaceSize) * toDisplayed).rounded()),
            frameWidth: frameSize.width,
            frameHeight: frameSize.height,
            frameCount: frameCount,
            faces: faces
        )
    }
}
