/// The face detector to run.
public enum FaceDetector: String, Sendable, CaseIterable {
    /// dlib's CNN (MMOD) detector: finds frontal and profile faces, the slower choice.
    case cnn
    /// dlib's HOG frontal detector: about 10x faster on the same input, misses profiles
    /// and faces turned more than about 30 degrees.
    case hog

    /// Side in pixels of the smallest face the detector finds reliably in its input image.
    ///
    /// Both detectors scan an 80x80 window. Measured with the CNN on the test portraits
    /// scaled down: faces of 64 px (box side at full size) were found with scores 0.2-1.0,
    /// faces of 56 px only once in three, 48 px never.
    public var smallestReliableFace: Int {
        switch self {
        case .cnn: 80
        case .hog: 80
        }
    }
}

/// Settings of `FaceEngine.detectFaces(in:options:)`.
public struct FaceDetectionOptions: Sendable, Equatable {
    /// The detector to run.
    public var detector: FaceDetector
    /// Side in pixels of the input image below which faces are skipped. The detector runs on
    /// a copy scaled so that a face of this size reaches the detector's smallest reliable
    /// face, which makes larger values faster.
    public var minFaceSize: Int
    /// Maximum side in pixels of the copy the detector runs on. It bounds the cost on large
    /// frames, and when it applies, it raises the effective minimum face size.
    public var maxDetectionSide: Int
    /// Added to the detector's decision threshold: negative values find more faces and more
    /// false positives.
    public var thresholdAdjustment: Double
    /// Maximum side in pixels of the crop returned with each face.
    public var cropSize: Int
    /// Margin added around the box on each side of the crop, as a fraction of the box size.
    public var cropMargin: Double

    /// The defaults favour speed: the HOG detector reaches 5x real time on 1080p footage at
    /// one frame per second on 2 cores, the CNN about 0.4x (measured with faces-benchmark).
    public init(
        detector: FaceDetector = .hog,
        minFaceSize: Int = 80,
        maxDetectionSide: Int = 1280,
        thresholdAdjustment: Double = 0,
        cropSize: Int = 128,
        cropMargin: Double = 0.25
    ) {
        self.detector = detector
        self.minFaceSize = minFaceSize
        self.maxDetectionSide = maxDetectionSide
        self.thresholdAdjustment = thresholdAdjustment
        self.cropSize = cropSize
        self.cropMargin = cropMargin
    }

    /// Returns the factor from input pixels to detector pixels for an image of the given size:
    /// below 1 shrinks, at most 2 enlarges (to find faces smaller than the detector's limit).
    public func detectionScale(width: Int, height: Int) -> Double {
        var scale = Double(self.detector.smallestReliableFace) / Double(max(1, self.minFaceSize))
        scale = min(scale, 2)
        scale = min(scale, Double(self.maxDetectionSide) / Double(max(width, height)))
        return scale
    }

    /// Throws when a value is outside its valid range.
    public func validate() throws(FacesError) {
        if self.minFaceSize < 1 {
            throw .invalidArgument(name: "minFaceSize", value: "\(self.minFaceSize)", expected: "at least 1 pixel")
        }
        if self.maxDetectionSide < 64 {
            throw .invalidArgument(
                name: "maxDetectionSide",
                value: "\(self.maxDetectionSide)",
                expected: "at least 64 pixels"
            )
        }
        if self.cropSize < 8 {
            throw .invalidArgument(name: "cropSize", value: "\(self.cropSize)", expected: "at least 8 pixels")
        }
        if !(0...2).contains(self.cropMargin) {
            throw .invalidArgument(name: "cropMargin", value: "\(self.cropMargin)", expected: "a fraction in 0...2")
        }
    }
}
