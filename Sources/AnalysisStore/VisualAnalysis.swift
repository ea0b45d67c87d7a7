/// The visual analysis of one media file: one embedding per sampled frame, the scene
/// boundaries and one small thumbnail per frame.
public struct VisualAnalysis: Sendable {
    /// Content hash of the media file (`1a2b3c4d-123456`), the key of its cache folder.
    public var hashString: String
    /// Absolute path of the media file when it was analysed.
    public var sourcePath: String
    /// Key of the model that computed the vectors (`label-bridge-384`).
    public var modelKey: String
    /// Number of components of each vector.
    public var dimension: Int
    /// Media duration in seconds.
    public var duration: Double
    /// Media time of each frame in seconds, non-decreasing; frame N is at N s for video.
    public var frameTimes: [Double]
    /// Row-major `frameCount x dimension` matrix of L2-normalised embeddings. The file
    /// stores them as Float16, so values read back differ by up to about 1e-3.
    public var vectors: [Float]
    /// Start times of the scenes in seconds, strictly increasing, the first one 0.
    public var sceneStarts: [Double]
    /// One JPEG per frame; an empty array means no thumbnail for that frame. An empty list
    /// means no thumbnails at all and reads back as one empty array per frame.
    public var thumbnails: [[UInt8]]

    public init(
        hashString: String,
        sourcePath: String,
        modelKey: String,
        dimension: Int,
        duration: Double,
        frameTimes: [Double],
        vectors: [Float],
        sceneStarts: [Double],
        thumbnails: [[UInt8]]
    ) {
        self.hashString = hashString
        self.sourcePath = sourcePath
        self.modelKey = modelKey
        self.dimension = dimension
        self.duration = duration
        self.frameTimes = frameTimes
        self.vectors = vectors
        self.sceneStarts = sceneStarts
        self.thumbnails = thumbnails
    }

    /// Number of sampled frames.
    public var frameCount: Int {
        self.frameTimes.count
    }

    /// Returns the vector of one frame.
    public func vector(ofFrame frameIndex: Int) -> ArraySlice<Float> {
        self.vectors[(frameIndex * self.dimension)..<((frameIndex + 1) * self.dimension)]
    }

    /// Maximum deviation of a row's L2 norm from 1 that a writer accepts.
    public static let normTolerance: Float = 0.01

    /// Throws `StoreError.invalidAnalysis` unless counts, order, values and norms follow
    /// the format's rules.
    public func validate() throws(StoreError) {
        func reject(_ reason: String) -> StoreError {
            StoreError.invalidAnalysis(hashString: self.hashString, reason: reason)
        }
        try validateHashString(self.hashString)
        guard !self.modelKey.isEmpty else { throw reject("model key is empty") }
        guard self.sourcePath.hasPrefix("/") else {
            throw reject("source path '\(self.sourcePath)' is not absolute")
        }
        guard self.dimension > 0 else { throw reject("dimension \(self.dimension) is not positive") }
        guard self.duration.isFinite, self.duration >= 0 else {
            throw reject("duration \(self.duration) is not a finite number of seconds >= 0")
        }
        guard self.frameCount > 0 else { throw reject("no frames") }
        guard self.vectors.count == self.frameCount * self.dimension else {
            throw reject(
                "\(self.vectors.count) vector values for \(self.frameCount) frames of dimension \(self.dimension), "
                    + "expected \(self.frameCount * self.dimension)"
            )
        }
        guard self.thumbnails.isEmpty || self.thumbnails.count == self.frameCount else {
            throw reject("\(self.thumbnails.count) thumbnails for \(self.frameCount) frames")
        }
        try self.validateTimes(reject)
        try self.validateVectors(reject)
    }

    private func validateTimes(_ reject: (String) -> StoreError) throws(StoreError) {
        for (index, time) in self.frameTimes.enumerated() {
            guard time.isFinite, time >= 0 else { throw reject("frame \(index) has invalid time \(time)") }
            if index > 0 && time < self.frameTimes[index - 1] {
                throw reject("frame times decrease at frame \(index) (\(time) s)")
            }
        }
        guard self.sceneStarts.first == 0 else {
            throw reject("the first scene start must be 0, got \(self.sceneStarts.first.map { "\($0)" } ?? "none")")
        }
        for index in 1..<self.sceneStarts.count {
            let start = self.sceneStarts[index]
            guard start.isFinite, start > self.sceneStarts[index - 1] else {
                throw reject("scene starts are not strictly increasing at scene \(index) (\(start) s)")
            }
        }
    }

    private func validateVectors(_ reject: (String) -> StoreError) throws(StoreError) {
        for frame in 0..<self.frameCount {
            var squaredNorm: Float = 0
            for value in self.vector(ofFrame: frame) {
                guard value.isFinite else { throw reject("frame \(frame) has a non-finite vector value") }
                squaredNorm += value * value
            }
            let norm = squaredNorm.squareRoot()
            guard abs(norm - 1) <= Self.normTolerance else {
                throw reject("vector of frame \(frame) has L2 norm \(norm); normalise each row to length 1")
            }
        }
    }
}
