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

    /// Returns the shorter side at which `info`'s frames are sampled for the detector:
    /// `frameShortSide`, or the file's own shorter side when that is smaller.
    static func frameShortSide(for info: MediaInfo) -> Int {
        let displayedShortSide = min(info.width ?? 0, info.height ?? 0)
        return displayedShortSide > 0 ? min(Self.frameShortSide, displayedShortSide) : Self.frameShortSide
    }

    /// Decodes the file's frames, finds their faces and returns the analysis, ready to store.
    func analyse(info: MediaInfo) throws -> FaceAnalysis {
        let sampler = try FrameSampler(path: info.path, shortSide: Self.frameShortSide(for: info))
        var session = FaceAnalysisSession(analyzer: self, info: info, expectedFrameCount: sampler.estimatedFrameCount)

        // decoding runs one thread ahead, so it overlaps with detection on a second core
        let frames = FramePrefetcher(sampler: sampler)
        frames.start()
        defer { frames.stop() }

        while let frame = try frames.next() {
            if self.isCancelled() { throw AnalysisCancelled() }
            try session.add(frame)
        }
        return try session.finish()
    }
}

/// One file's face analysis while its frames arrive in time order, sampled at
/// `FaceAnalyzer.frameShortSide(for:)`. `finish()` returns the analysis.
struct FaceAnalysisSession {
    private let analyzer: FaceAnalyzer
    private let info: MediaInfo
    private let expectedFrameCount: Int
    private let options = FaceDetectionOptions(detector: .hog, minFaceSize: FaceAnalyzer.minFaceSize)
    private var faces: [FaceRecord] = []
    private var frameCount = 0
    /// The factor from sampled to displayed pixels.
    private var toDisplayed = 1.0
    private var frameSize: (width: Int, height: Int)

    init(analyzer: FaceAnalyzer, info: MediaInfo, expectedFrameCount: Int) {
        self.analyzer = analyzer
        self.info = info
        self.expectedFrameCount = max(1, expectedFrameCount)
        self.frameSize = (info.width ?? 0, info.height ?? 0)
    }

    /// Finds the faces of the next sampled frame.
    mutating func add(_ frame: SampledFrame) throws {
        if self.frameSize.width <= 0 || self.frameSize.height <= 0 {
            self.frameSize = (frame.image.width, frame.image.height)
        }
        // boxes are stored in pixels of the displayed frame, whatever size was sampled
        self.toDisplayed = Double(self.frameSize.width) / Double(frame.image.width)
        let detected = try self.analyzer.engine.detectFaces(in: frame.image, options: self.options)
        for (number, face) in detected.enumerated() {
            self.faces.append(
                FaceRecord(
                    faceID: FaceAnalysis.faceID(hashString: self.info.hashString, frameIndex: frame.index, number: number),
                    hashString: self.info.hashString,
                    mediaPath: self.info.path,
                    frameIndex: frame.index,
                    timestampSeconds: Double(frame.index),
                    box: face.box.scaled(by: self.toDisplayed),
                    score: face.score,
                    embedding: face.embedding,
                    cropJPEG: try JPEGEncoder.encode(face.crop, quality: FaceAnalyzer.cropQuality)
                )
            )
        }
        self.frameCount += 1
        self.analyzer.reportFraction(min(0.99, Double(self.frameCount) / Double(self.expectedFrameCount)))
    }

    /// Returns the analysis of the frames added so far.
    ///
    /// - Throws: `MediaError.unsupported` when no frame was added.
    func finish() throws -> FaceAnalysis {
        guard self.frameCount > 0 else {
            throw MediaError.unsupported(path: self.info.path, reason: "no picture could be decoded")
        }
        return FaceAnalysis(
            hashString: self.info.hashString,
            sourcePath: self.info.path,
            modelKey: FaceEngine.modelKey,
            detector: self.options.detector.rawValue,
            minFaceSize: Int((Double(FaceAnalyzer.minFaceSize) * self.toDisplayed).rounded()),
            frameWidth: self.frameSize.width,
            frameHeight: self.frameSize.height,
            frameCount: self.frameCount,
            faces: self.faces
        )
    }
}
