import CDlibFaces
import Foundation
import JumperCore

/// dlib's face models, loaded once: detection, 5-point alignment and 128-D embeddings.
///
/// A lock serialises calls because a dlib network keeps per-call state, so one engine runs
/// one image at a time. Load one engine per thread to run in parallel. Every call blocks
/// while dlib computes (0.1 to 2 s per 1080p frame), so call it from a thread you own, not
/// from the cooperative pool.
public final class FaceEngine: @unchecked Sendable {
    /// File names inside the models folder, as `scripts/fetch-face-models.sh` installs them.
    public static let detectorFileName = "mmod_human_face_detector.dat"
    public static let shapePredictorFileName = "shape_predictor_5_face_landmarks.dat"
    public static let embedderFileName = "dlib_face_recognition_resnet_model_v1.dat"
    /// Name of the models folder under the models directory.
    public static let modelKey = "dlib-resnet-128"
    /// Dimension of an embedding.
    public static let embeddingDimension = Int(DLIBFACES_EMBEDDING_DIMENSION)

    // The lock guards every use of `handle`.
    private let handle: OpaquePointer
    private let lock = NSLock()
    private let logger: Logger
    /// Options used by `detectFaces(in:minFaceSize:)`.
    public let defaultOptions: FaceDetectionOptions

    private init(handle: OpaquePointer, logger: Logger, defaultOptions: FaceDetectionOptions) {
        self.handle = handle
        self.logger = logger
        self.defaultOptions = defaultOptions
    }

    deinit {
        dlibfaces_engine_free(self.handle)
    }

    /// Loads the three model files from `modelsDirectory` (the folder holding them, usually
    /// `<models>/dlib-resnet-128`). Takes about a second.
    ///
    /// - Throws: `FacesError.modelFileMissing` or `.modelLoadFailed`.
    public static func load(
        modelsDirectory: String,
        defaultOptions: FaceDetectionOptions = FaceDetectionOptions(),
        logger: Logger
    ) throws -> FaceEngine {
        let paths = [Self.detectorFileName, Self.shapePredictorFileName, Self.embedderFileName].map {
            (modelsDirectory as NSString).appendingPathComponent($0)
        }
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw FacesError.modelFileMissing(path: path)
        }

        let started = ContinuousClock.now
        var handle: OpaquePointer?
        var error = [CChar](repeating: 0, count: 1024)
        let status = dlibfaces_engine_load(paths[0], paths[1], paths[2], &handle, &error, error.count)
        guard status == DLIBFACES_OK, let handle else {
            throw FacesError.modelLoadFailed(message: Self.message(from: error))
        }
        let milliseconds = (ContinuousClock.now - started).milliseconds
        logger.info("face models loaded", ["models.path": modelsDirectory, "duration.ms": "\(milliseconds)"])
        return FaceEngine(handle: handle, logger: logger, defaultOptions: defaultOptions)
    }

    // MARK: - Detection with embeddings

    /// Finds the faces in `image` at least `minFaceSize` pixels wide, with the engine's other
    /// default options.
    public func detectFaces(in image: RGBImage, minFaceSize: Int) throws -> [DetectedFace] {
        var options = self.defaultOptions
        options.minFaceSize = minFaceSize
        return try self.detectFaces(in: image, options: options)
    }

    /// Finds the faces in `image` and computes each one's embedding and crop.
    ///
    /// The detector runs on a scaled copy (see `FaceDetectionOptions.detectionScale`), and
    /// boxes are mapped back to `image` pixels. Alignment and embeddings use the full-size
    /// image. Faces are sorted by detector score, best first.
    public func detectFaces(in image: RGBImage, options: FaceDetectionOptions) throws -> [DetectedFace] {
        try options.validate()
        let boxes = try self.detectBoxes(in: image, options: options)
        if boxes.isEmpty {
            return []
        }
        let descriptions = try self.describeFaces(in: image, boxes: boxes.map(\.box), includeChips: false)
        return zip(boxes, descriptions).map { detection, description in
            DetectedFace(
                box: detection.box,
                score: detection.score,
                landmarks: description.landmarks,
                embedding: description.embedding,
                crop: Self.crop(of: detection.box, in: image, options: options)
            )
        }
    }

    /// Runs the detector alone and returns boxes in `image` pixels, clipped to the image,
    /// skipping faces narrower than `options.minFaceSize`.
    public func detectBoxes(
        in image: RGBImage,
        options: FaceDetectionOptions
    ) throws -> [(box: FaceBox, score: Double)] {
        try options.validate()
        let scale = options.detectionScale(width: image.width, height: image.height)
        let detectionWidth = max(1, Int((Double(image.width) * scale).rounded()))
        let detectionHeight = max(1, Int((Double(image.height) * scale).rounded()))
        if min(detectionWidth, detectionHeight) < options.detector.smallestReliableFace {
            // no face of a useful size fits, and dlib's CNN rejects images this small
            return []
        }
        let detectionImage = ImageResampling.resized(image, width: detectionWidth, height: detectionHeight)
        let toInput = Double(image.width) / Double(detectionWidth)

        let raw = try self.runDetector(on: detectionImage, options: options)
        var boxes: [(box: FaceBox, score: Double)] = []
        for (box, score) in raw {
            guard let clipped = box.scaled(by: toInput).clamped(width: image.width, height: image.height) else {
                continue
            }
            if min(clipped.width, clipped.height) < Double(options.minFaceSize) {
                continue
            }
            boxes.append((clipped, score))
        }
        self.logger.trace(
            "faces detected",
            [
                "faces.count": "\(boxes.count)",
                "faces.detector": options.detector.rawValue,
                "faces.detection_size": "\(detectionWidth)x\(detectionHeight)",
            ]
        )
        return boxes
    }

    // MARK: - Alignment and embeddings

    /// Landmarks, aligned chip and embedding of one face.
    public struct FaceDescription: Sendable {
        /// Five landmarks in image pixels.
        public var landmarks: [(x: Double, y: Double)]
        /// The aligned 150x150 chip the embedding was computed from, when requested.
        public var chip: RGBImage?
        /// The 128-D embedding.
        public var embedding: [Float]
    }

    /// Aligns and embeds the faces in `boxes` (pixels of `image`), in one batch.
    public func describeFaces(in image: RGBImage, boxes: [FaceBox], includeChips: Bool) throws -> [FaceDescription] {
        if boxes.isEmpty {
            return []
        }
        let count = boxes.count
        let chipSide = Int(DLIBFACES_CHIP_SIZE)
        let landmarkCount = Int(DLIBFACES_LANDMARK_COUNT)
        let cBoxes = boxes.map {
            dlibfaces_box(x: Float($0.x), y: Float($0.y), width: Float($0.width), height: Float($0.height), score: 0)
        }
        var landmarks = [Float](repeating: 0, count: count * landmarkCount * 2)
        var embeddings = [Float](repeating: 0, count: count * Self.embeddingDimension)
        var chips = [UInt8](repeating: 0, count: includeChips ? count * chipSide * chipSide * 3 : 0)
        var error = [CChar](repeating: 0, count: 1024)

        let status = self.withLock {
            image.pixels.withUnsafeBufferPointer { pixels in
                chips.withUnsafeMutableBufferPointer { chipBuffer in
                    dlibfaces_describe(
                        self.handle,
                        pixels.baseAddress,
                        Int32(image.width),
                        Int32(image.height),
                        Int32(image.width * 3),
                        cBoxes,
                        Int32(count),
                        &landmarks,
                        includeChips ? chipBuffer.baseAddress : nil,
                        &embeddings,
                        &error,
                        error.count
                    )
                }
            }
        }
        guard status == DLIBFACES_OK else {
            throw FacesError.computeFailed(
                function: "dlibfaces_describe",
                code: Int(status.rawValue),
                message: Self.message(from: error)
            )
        }

        return (0..<count).map { index in
            let points = (0..<landmarkCount).map { part in
                let offset = (index * landmarkCount + part) * 2
                return (x: Double(landmarks[offset]), y: Double(landmarks[offset + 1]))
            }
            let embeddingStart = index * Self.embeddingDimension
            let chip: RGBImage? =
                includeChips
                ? RGBImage(
                    width: chipSide,
                    height: chipSide,
                    pixels: Array(chips[(index * chipSide * chipSide * 3)..<((index + 1) * chipSide * chipSide * 3)])
                )
                : nil
            return FaceDescription(
                landmarks: points,
                chip: chip,
                embedding: Array(embeddings[embeddingStart..<(embeddingStart + Self.embeddingDimension)])
            )
        }
    }

    // MARK: - Helpers

    private func runDetector(on image: RGBImage, options: FaceDetectionOptions) throws -> [(FaceBox, Double)] {
        var capacity = 64
        while true {
            var boxes = [dlibfaces_box](repeating: dlibfaces_box(), count: capacity)
            var found: Int32 = 0
            var error = [CChar](repeating: 0, count: 1024)
            let detector = options.detector == .cnn ? DLIBFACES_DETECTOR_CNN : DLIBFACES_DETECTOR_HOG
            let status = self.withLock {
                image.pixels.withUnsafeBufferPointer { pixels in
                    dlibfaces_detect(
                        self.handle,
                        pixels.baseAddress,
                        Int32(image.width),
                        Int32(image.height),
                        Int32(image.width * 3),
                        detector,
                        0,
                        Float(options.thresholdAdjustment),
                        &boxes,
                        Int32(capacity),
                        &found,
                        &error,
                        error.count
                    )
                }
            }
            guard status == DLIBFACES_OK else {
                throw FacesError.computeFailed(
                    function: "dlibfaces_detect",
                    code: Int(status.rawValue),
                    message: Self.message(from: error)
                )
            }
            if Int(found) <= capacity {
                return boxes.prefix(Int(found)).map {
                    (
                        FaceBox(x: Double($0.x), y: Double($0.y), width: Double($0.width), height: Double($0.height)),
                        Double($0.score)
                    )
                }
            }
            capacity = Int(found)
        }
    }

    /// Decodes the NUL-terminated message a C function wrote into `buffer`.
    private static func message(from buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func withLock<T>(_ body: () -> T) -> T {
        self.lock.lock()
        defer { self.lock.unlock() }
        return body()
    }

    /// Returns the crop of `box` plus a margin, shrunk so its longest side is at most
    /// `options.cropSize`.
    static func crop(of box: FaceBox, in image: RGBImage, options: FaceDetectionOptions) -> RGBImage {
        let marginX = box.width * options.cropMargin
        let marginY = box.height * options.cropMargin
        let left = max(0, Int((box.x - marginX).rounded(.down)))
        let top = max(0, Int((box.y - marginY).rounded(.down)))
        let right = min(image.width, Int((box.x + box.width + marginX).rounded(.up)))
        let bottom = min(image.height, Int((box.y + box.height + marginY).rounded(.up)))
        let region = ImageResampling.cropped(image, x: left, y: top, width: max(1, right - left), height: max(1, bottom - top))

        let longest = max(region.width, region.height)
        if longest <= options.cropSize {
            return region
        }
        let factor = Double(options.cropSize) / Double(longest)
        return ImageResampling.resized(
            region,
            width: max(1, Int((Double(region.width) * factor).rounded())),
            height: max(1, Int((Double(region.height) * factor).rounded()))
        )
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
