import Foundation
import JumperCore
import Media
import Testing

/// Runs `SceneBoundaryDetector` on a video with known boundaries made by
/// `scripts/make-scene-test-video.py`: 17 hard cuts between whole frames, two dissolves, two
/// fades through black, two white flashes, two whip pans and two fast zooms.
@Suite struct SceneBoundaryTests {
    private struct GroundTruth: Decodable {
        let fps: Double
        let cuts: [Double]
        let gradual: [Double]
        let flashes: [Double]
        let motion: [[Double]]
    }

    private static let video: Result<(path: String, truth: GroundTruth), TestMediaError> = {
        do {
            let script = URL(fileURLWithPath: TestMedia.scriptPath).deletingLastPathComponent()
                .appendingPathComponent("make-scene-test-video.py").path
            let path = try TestMedia.makeTemporaryFolder() + "/scenes.mp4"
            let result = try TestMedia.run("/usr/bin/python3", [script, path, "7"])
            guard result.status == 0 else {
                return .failure(TestMediaError(message: "make-scene-test-video.py failed: \(result.errorOutput)"))
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: (path as NSString).deletingPathExtension + ".json"))
            return .success((path, try JSONDecoder().decode(GroundTruth.self, from: data)))
        } catch {
            return .failure(TestMediaError(message: "the scene test video could not be made: \(error)"))
        }
    }()

    private static let detected: Result<[SceneBoundary], any Error> = Result {
        let path = try video.get().path
        let sampler = try FrameSampler(path: path, shortSide: 256)
        let detector = SceneBoundaryDetector(path: path)
        while let frame = try sampler.nextFrame() {
            detector.add(frame)
        }
        return try detector.detectBoundaries()
    }

    @Test func hardCutsAtExactFrame() throws {
        let truth = try Self.video.get().truth
        let cuts = try Self.detected.get().filter { $0.kind == .cut }.map(\.timeSeconds)
        let tolerance = 0.5 / truth.fps
        let found = truth.cuts.filter { time in cuts.contains { abs($0 - time) <= tolerance } }
        let correct = cuts.filter { time in truth.cuts.contains { abs($0 - time) <= tolerance } }
        let recall = Double(found.count) / Double(truth.cuts.count)
        let precision = Double(correct.count) / Double(max(1, cuts.count))
        let f1 = 2 * precision * recall / max(0.001, precision + recall)
        #expect(f1 >= 0.9, "precision \(precision), recall \(recall), cuts \(cuts), truth \(truth.cuts)")
    }

    @Test func fadesAndDissolvesWithinOneSecond() throws {
        let truth = try Self.video.get().truth
        let times = try Self.detected.get().map(\.timeSeconds)
        for time in truth.gradual {
            #expect(times.contains { abs($0 - time) <= 1 }, "no boundary within 1 s of the transition at \(time) s")
        }
    }

    @Test func flashesAreNotBoundaries() throws {
        let truth = try Self.video.get().truth
        let times = try Self.detected.get().map(\.timeSeconds)
        for flash in truth.flashes {
            #expect(!times.contains { abs($0 - flash) <= 0.5 }, "a boundary was reported at the flash at \(flash) s")
        }
    }

    @Test func pansAndZoomsAreNotBoundaries() throws {
        let truth = try Self.video.get().truth
        let times = try Self.detected.get().map(\.timeSeconds)
        for span in truth.motion {
            // The cuts that start and end the moving shot are real boundaries.
            let inside = times.filter { $0 > span[0] + 0.1 && $0 < span[1] - 0.1 }
            #expect(inside.isEmpty, "boundaries \(inside) inside the moving shot \(span)")
        }
    }

    @Test func stillImageHasNoBoundaries() throws {
        let path = try TestMedia.path("cat.png")
        let sampler = try FrameSampler(path: path)
        let detector = SceneBoundaryDetector(path: path)
        while let frame = try sampler.nextFrame() {
            detector.add(frame)
        }
        #expect(try detector.detectBoundaries().isEmpty)
    }

    @Test func photosClipCutsEveryFiveSeconds() throws {
        // photos.mp4 shows six photos for 5 s each: the cuts fall exactly on the samples.
        let path = try TestMedia.path("photos.mp4")
        let sampler = try FrameSampler(path: path)
        let detector = SceneBoundaryDetector(path: path)
        while let frame = try sampler.nextFrame() {
            detector.add(frame)
        }
        let boundaries = try detector.detectBoundaries()
        #expect(boundaries.map(\.timeSeconds) == [5, 10, 15, 20, 25])
        #expect(boundaries.allSatisfy { $0.kind == .cut })
    }
}
