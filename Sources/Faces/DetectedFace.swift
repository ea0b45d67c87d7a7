import JumperCore

/// A rectangle in pixels of an image, origin at the top-left corner.
public struct FaceBox: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The box as the contract's `[x, y, w, h]` integer pixel array.
    public var integerArray: [Int] {
        [Int(self.x.rounded()), Int(self.y.rounded()), Int(self.width.rounded()), Int(self.height.rounded())]
    }

    /// Returns this box with every coordinate multiplied by `factor`.
    public func scaled(by factor: Double) -> FaceBox {
        FaceBox(x: self.x * factor, y: self.y * factor, width: self.width * factor, height: self.height * factor)
    }

    /// Returns the part of this box inside an image of the given size, or nil when none is.
    public func clamped(width imageWidth: Int, height imageHeight: Int) -> FaceBox? {
        let left = max(0, self.x)
        let top = max(0, self.y)
        let right = min(Double(imageWidth), self.x + self.width)
        let bottom = min(Double(imageHeight), self.y + self.height)
        guard right > left, bottom > top else { return nil }
        return FaceBox(x: left, y: top, width: right - left, height: bottom - top)
    }
}

/// A face found in an image, with what clustering and the API need about it.
public struct DetectedFace: Sendable {
    /// Bounding box in pixels of the image passed to the detector, clipped to the image.
    public var box: FaceBox
    /// Detector confidence; the CNN's MMOD score is mostly in 0...1.5, higher is surer.
    public var score: Double
    /// Five landmarks (outer and inner eye corners, base of the nose) in image pixels.
    public var landmarks: [(x: Double, y: Double)]
    /// dlib's 128-D face embedding; the same person is usually within 0.6 (Euclidean).
    public var embedding: [Float]
    /// A small upright crop around the face (the box plus a margin), ready for JPEG encoding.
    public var crop: RGBImage

    public init(
        box: FaceBox,
        score: Double,
        landmarks: [(x: Double, y: Double)],
        embedding: [Float],
        crop: RGBImage
    ) {
        self.box = box
        self.score = score
        self.landmarks = landmarks
        self.embedding = embedding
        self.crop = crop
    }
}
