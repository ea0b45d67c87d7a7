import Foundation
import JumperCore
import Testing

@testable import Inference

/// Timings of the image and text towers, printed for the record.
///
/// Runs only when `JUMPER_BENCHMARK=1` is set, and its numbers mean something only in a
/// release build (`swift test -c release`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["JUMPER_BENCHMARK"] == "1"))
struct InferenceBenchmarkTests {
    @Test func imageAndTextTimings() throws {
        let model = try TestSupport.model()
        let photos = try ["chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png"].map { try TestSupport.decodePhoto($0) }
        // Frames from the media layer have a shorter side of 256, so each photo is scaled to that first.
        let frames = (0..<8).map { index in Self.frame256(from: photos[index % photos.count]) }

        _ = try model.embedImages(frames)
        let rounds = 5
        var started = Date()
        var cpuStarted = Self.processCPUSeconds()
        for _ in 0..<rounds {
            _ = try model.embedImages(frames)
        }
        let millisecondsPerFrame = Date().timeIntervalSince(started) * 1000 / Double(rounds * frames.count)
        let cpuMillisecondsPerFrame = (Self.processCPUSeconds() - cpuStarted) * 1000 / Double(rounds * frames.count)

        cpuStarted = Self.processCPUSeconds()
        let queries = ["a cat", "a cup of coffee on a table", "a rocket launch", "a red motorcycle", "people dancing at a party"]
        _ = try model.embedText(queries[0])
        started = Date()
        for _ in 0..<4 {
            for query in queries {
                _ = try model.embedText(query)
            }
        }
        let millisecondsPerQuery = Date().timeIntervalSince(started) * 1000 / Double(4 * queries.count)
        let cpuMillisecondsPerQuery = (Self.processCPUSeconds() - cpuStarted) * 1000 / Double(4 * queries.count)

        let tokens = model.tokenizer
        started = Date()
        cpuStarted = Self.processCPUSeconds()
        let prompts = model.classNames.map { LabelBridgeModel.prompt(forClassName: $0) }
        for batchStart in stride(from: 0, to: prompts.count, by: 100) {
            _ = model.textEncoder.embeddings(prompts[batchStart..<(batchStart + 100)].map { tokens.tokenIDs(for: $0) })
        }
        let classSeconds = Date().timeIntervalSince(started)
        let classCPUSeconds = Self.processCPUSeconds() - cpuStarted

        print(
            String(
                format: "benchmark: %.1f ms per frame (batch of 8, %.1f ms CPU), %.1f ms per text query (%.1f ms CPU), %.2f s for 1000 class prompts (%.2f s CPU)",
                millisecondsPerFrame,
                cpuMillisecondsPerFrame,
                millisecondsPerQuery,
                cpuMillisecondsPerQuery,
                classSeconds,
                classCPUSeconds
            )
        )
        #expect(millisecondsPerFrame > 0)
    }

    /// Returns the user plus system CPU time of the whole process, over all threads.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Returns a frame scaled by nearest neighbour so its shorter side is 256, like a decoded video frame.
    static func frame256(from image: RGBImage) -> RGBImage {
        let scale = 256 / Double(min(image.width, image.height))
        let width = Int(Double(image.width) * scale)
        let height = Int(Double(image.height) * scale)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let sourceY = min(Int(Double(y) / scale), image.height - 1)
            for x in 0..<width {
                let sourceX = min(Int(Double(x) / scale), image.width - 1)
                let source = (sourceY * image.width + sourceX) * 3
                let target = (y * width + x) * 3
                pixels[target] = image.pixels[source]
                pixels[target + 1] = image.pixels[source + 1]
                pixels[target + 2] = image.pixels[source + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
