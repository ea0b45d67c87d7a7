// Measures the CLIP and SigLIP engines: images per second of each image tower and
// milliseconds per text query, on synthetic 455x256 frames (the media layer's short side 256).
//
// Usage: ImageTextBenchmark MODELS_DIR
// MODELS_DIR holds clip-vit-b-32 and/or siglip-base-16-256 checkpoint folders; random full-size
// ones come from scripts/reference/make_benchmark_checkpoints.py.
import Foundation
import Glibc
import Inference
import JumperCore

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: ImageTextBenchmark MODELS_DIR\n".utf8))
    exit(64)
}
let modelsDirectory = arguments[1]
let logger = Logger(label: "bench", minimumLevel: .warning)

/// Returns the CPU seconds this process has used on all threads, which a shared machine's
/// contention does not inflate the way wall time grows.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

// a smooth colour pattern, so that resizing does real work on every pixel
func syntheticFrame(seed: Int) -> RGBImage {
    let width = 455
    let height = 256
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let index = (y * width + x) * 3
            pixels[index] = UInt8((x + seed * 7) & 255)
            pixels[index + 1] = UInt8((y * 2 + seed) & 255)
            pixels[index + 2] = UInt8((x + y + seed * 13) & 255)
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

let frames = (0..<16).map { syntheticFrame(seed: $0) }
let queries = [
    "a photo of a cat", "a dog running on the beach", "a cup of coffee on a table",
    "an astronaut in a white suit", "a rocket on the launch pad", "people walking in the city at night",
]

for key in [CLIPModel.key, SigLIPModel.key] {
    let directory = modelsDirectory + "/" + key
    guard FileManager.default.fileExists(atPath: directory + "/config.json") else {
        print("\(key): not found in \(modelsDirectory), skipped")
        continue
    }
    let loadStart = ContinuousClock.now
    let model = try VisualModelLoader.load(key: key, from: directory, logger: logger)
    let loadSeconds = seconds(since: loadStart)

    _ = try model.embedImages(Array(frames.prefix(2)))
    let imageStart = ContinuousClock.now
    let imageCPUStart = processCPUSeconds()
    _ = try model.embedImages(frames)
    let imagesPerSecond = Double(frames.count) / seconds(since: imageStart)
    let imageCPUMilliseconds = (processCPUSeconds() - imageCPUStart) * 1000 / Double(frames.count)

    _ = try model.embedText(queries[0])
    let textStart = ContinuousClock.now
    let textCPUStart = processCPUSeconds()
    let rounds = 5
    for _ in 0..<rounds {
        for query in queries {
            _ = try model.embedText(query)
        }
    }
    let textMilliseconds = seconds(since: textStart) * 1000 / Double(rounds * queries.count)
    let textCPUMilliseconds = (processCPUSeconds() - textCPUStart) * 1000 / Double(rounds * queries.count)
    print(
        String(
            format: "%@: load %.1f s, %.1f images/s (%.0f ms CPU per image), %.1f ms per text query (%.1f ms CPU)",
            key, loadSeconds, imagesPerSecond, imageCPUMilliseconds, textMilliseconds, textCPUMilliseconds
        )
    )
}
