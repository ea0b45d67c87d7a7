import AnalysisStore
import Faces
import Foundation
import JumperCore
import Testing

@testable import Analysis

/// Runs analysis tasks through the real task runner, models and decoder on the test videos.
@Suite(.serialized)
struct SharedDecodeTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    static var cacheDirectory: String {
        ProcessInfo.processInfo.environment["JUMPER_CACHE_DIR"] ?? "\(Self.repositoryRoot)/.cache"
    }

    static var modelsDirectory: String {
        ProcessInfo.processInfo.environment["JUMPER_MODELS_DIR"] ?? "\(Self.cacheDirectory)/models"
    }

    static var testMediaDirectory: String {
        ProcessInfo.processInfo.environment["JUMPER_TEST_MEDIA_DIR"] ?? "\(Self.cacheDirectory)/test-media"
    }

    /// Returns the path of a test video, or fails the test with the script that makes it.
    static func requireVideo(_ relativePath: String) throws -> String {
        let path = "\(Self.testMediaDirectory)/\(relativePath)"
        try #require(
            FileManager.default.fileExists(atPath: path),
            "test video '\(path)' not found: run the pytest suite or scripts/make-test-media.sh and scripts/make-face-test-media.sh"
        )
        return path
    }

    /// Returns a new empty folder for one task's `cache_dir`.
    static func makeCacheFolder() throws -> String {
        let path = NSTemporaryDirectory() + "jumper-analysis-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs one task to its end and returns its final event.
    static func runTask(
        _ runner: TaskRunner,
        paths: [String],
        cacheFolder: String,
        visual: Bool,
        faces: Bool,
        force: Bool = false
    ) async throws -> TaskProgress {
        let request = AnalysisRequest(
            mediaPaths: paths, cacheDirectory: cacheFolder, visual: visual, speech: false, faces: faces,
            clusterJobName: "tests", visualModelKey: ModelRegistry.defaultVisualKey, force: force
        )
        let taskID = try await runner.start(request)
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            if let final = runner.finalEvent(taskID: taskID) {
                return final
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("task \(taskID) did not end within 600 s")
        throw CancellationError()
    }

    /// Returns a task runner that logs at debug level into `sink`.
    static func makeRunner(sink: MemoryLogSink) -> TaskRunner {
        let logger = Logger(label: "analysis-tests", minimumLevel: .debug, sink: sink)
        let models = ModelRegistry(modelsDirectory: Self.modelsDirectory, logger: logger)
        let speech = SpeechModels(modelsDirectory: Self.modelsDirectory, logger: logger)
        return TaskRunner(models: models, speech: speech, logger: logger) { _ in }
    }

    /// Returns the "frame decoding started" records of `sink` for `path`.
    static func decodes(in sink: MemoryLogSink, path: String) -> [LogRecord] {
        sink.records.filter { $0.message == "frame decoding started" && $0.metadata["media.path"] == path }
    }

    @Test func visualAndFacesDecodeOnce() async throws {
        let video = try Self.requireVideo("face-videos/obama-biden.mp4")
        let cacheFolder = try Self.makeCacheFolder()
        defer { try? FileManager.default.removeItem(atPath: cacheFolder) }
        let sink = MemoryLogSink()
        let runner = Self.makeRunner(sink: sink)

        let final = try await Self.runTask(runner, paths: [video], cacheFolder: cacheFolder, visual: true, faces: true)

        #expect(final.status == .completed)
        let result = try #require(final.results?.first)
        #expect(result.analyses["visual"] == "completed")
        #expect(result.analyses["faces"] == "completed")
        let decodes = Self.decodes(in: sink, path: video)
        #expect(decodes.count == 1)
        #expect(decodes.first?.metadata["analyses"] == "visual,faces")
        #expect(decodes.first?.metadata["frames.short_side"] == "720")

        // Both analyses are stored from the one decode: 12 s of video, Obama then Biden.
        let cache = try CacheDirectory(path: cacheFolder)
        let hashString = try #require(result.hashString)
        let visual = try #require(try cache.readVisualAnalysis(hashString: hashString))
        let faces = try #require(try cache.readFaceAnalysis(hashString: hashString))
        #expect(visual.frameCount == 12)
        #expect(faces.frameCount == 12)
        #expect(faces.frameWidth == 1280)
        #expect(faces.frameHeight == 720)
        #expect(faces.faces.count >= 10)
    }

    @Test func storedFacesDecodeForVisualOnly() async throws {
        let video = try Self.requireVideo("face-videos/obama-biden.mp4")
        let cacheFolder = try Self.makeCacheFolder()
        defer { try? FileManager.default.removeItem(atPath: cacheFolder) }
        let sink = MemoryLogSink()
        let runner = Self.makeRunner(sink: sink)

        let facesOnly = try await Self.runTask(runner, paths: [video], cacheFolder: cacheFolder, visual: false, faces: true)
        #expect(facesOnly.status == .completed)
        let both = try await Self.runTask(runner, paths: [video], cacheFolder: cacheFolder, visual: true, faces: true)
        #expect(both.status == .completed)
        let result = try #require(both.results?.first)
        #expect(result.analyses["visual"] == "completed")

        // The second task reuses the stored faces, so it decodes at the visual size alone.
        let decodes = Self.decodes(in: sink, path: video)
        #expect(decodes.count == 2)
        #expect(decodes.first?.metadata["analyses"] == "faces")
        #expect(decodes.last?.metadata["analyses"] == "visual")
        #expect(decodes.last?.metadata["frames.short_side"] == String(VisualAnalyzer.frameShortSide))
    }

    @Test(arguments: ["face-videos/obama-biden.mp4", "photos.mp4", "face-videos/phone-obama3.mov"])
    func sharedDecodeKeepsVisualVectors(video relativePath: String) async throws {
        let video = try Self.requireVideo(relativePath)
        let visualOnlyFolder = try Self.makeCacheFolder()
        let sharedFolder = try Self.makeCacheFolder()
        defer {
            try? FileManager.default.removeItem(atPath: visualOnlyFolder)
            try? FileManager.default.removeItem(atPath: sharedFolder)
        }
        let sink = MemoryLogSink()
        let runner = Self.makeRunner(sink: sink)

        let visualOnly = try await Self.runTask(runner, paths: [video], cacheFolder: visualOnlyFolder, visual: true, faces: false)
        let shared = try await Self.runTask(runner, paths: [video], cacheFolder: sharedFolder, visual: true, faces: true)
        #expect(visualOnly.status == .completed)
        #expect(shared.status == .completed)
        #expect(Self.decodes(in: sink, path: video).map { $0.metadata["analyses"] } == ["visual", "visual,faces"])

        let hashString = try #require(visualOnly.results?.first?.hashString)
        let expected = try #require(try CacheDirectory(path: visualOnlyFolder).readVisualAnalysis(hashString: hashString))
        let actual = try #require(try CacheDirectory(path: sharedFolder).readVisualAnalysis(hashString: hashString))
        #expect(actual.frameTimes == expected.frameTimes)
        #expect(actual.sceneStarts == expected.sceneStarts)
        #expect(actual.thumbnails.count == expected.thumbnails.count)
        #expect(actual.dimension == expected.dimension)
        try #require(actual.vectors.count == expected.vectors.count)

        // The model receives 256-pixel frames either way: scaled by libswscale from the decoded
        // frame, or by libswscale again from the 720-pixel face frame.
        let dimension = expected.dimension
        for frame in 0..<expected.frameCount {
            let range = frame * dimension..<(frame + 1) * dimension
            let cosine = zip(expected.vectors[range], actual.vectors[range]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.99, "frame \(frame) of '\(relativePath)': cosine \(cosine)")
        }
    }
}
