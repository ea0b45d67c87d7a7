// Measures visual analysis speed on one video: decoding alone, the model alone, and the whole
// task through the real task runner, each as seconds of footage per second of wall time.
//
// Usage: AnalysisBenchmark VIDEO MODELS_DIR
import Analysis
import Foundation
import Inference
import JumperCore
import Media

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: AnalysisBenchmark VIDEO MODELS_DIR\n".utf8))
    exit(64)
}
let videoPath = URL(fileURLWithPath: arguments[1]).standardizedFileURL.path
let modelsDirectory = arguments[2]
let logger = Logger(label: "bench", minimumLevel: .warning)

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

let info = try MediaProbe.probe(path: videoPath)
let footage = info.duration ?? 0
print("input: \(videoPath), \(info.width ?? 0)x\(info.height ?? 0), \(String(format: "%.1f", footage)) s, \(info.videoCodec ?? "?")")

// Decoding alone: every sampled frame, nothing else.
var frames: [RGBImage] = []
let decodeStart = ContinuousClock.now
let sampler = try FrameSampler(path: videoPath, shortSide: 256)
while let frame = try sampler.nextFrame() {
    frames.append(frame.image)
}
let decodeSeconds = seconds(since: decodeStart)
print(String(format: "decode: %d frames in %.2f s = %.1fx real time", frames.count, decodeSeconds, footage / decodeSeconds))

// The model alone, in the batches analysis uses.
let model = try LabelBridgeModel.load(from: modelsDirectory + "/label-bridge-384", logger: logger)
let modelStart = ContinuousClock.now
for batchStart in stride(from: 0, to: frames.count, by: 8) {
    _ = try model.embedImages(Array(frames[batchStart..<min(frames.count, batchStart + 8)]))
}
let modelSeconds = seconds(since: modelStart)
print(String(format: "model: %.1f ms per frame = %.1fx real time", modelSeconds * 1000 / Double(frames.count), footage / modelSeconds))
frames.removeAll()

// The whole task: probe, hash, decode, embed, thumbnails, scenes, atomic write.
let cacheDirectory = NSTemporaryDirectory() + "jumper-bench-\(getpid())"
let registry = ModelRegistry(modelsDirectory: modelsDirectory, logger: logger)
_ = try registry.visualModel(key: ModelRegistry.defaultVisualKey, waitIfLoading: true)
let finished = DispatchSemaphore(value: 0)
let speech = SpeechModels(modelsDirectory: modelsDirectory, logger: logger)
let runner = TaskRunner(models: registry, speech: speech, logger: logger) { progress in
    if progress.isFinal { finished.signal() }
}
let taskStart = ContinuousClock.now
let request = AnalysisRequest(mediaPaths: [videoPath], cacheDirectory: cacheDirectory,
                              speech: false, visualModelKey: ModelRegistry.defaultVisualKey, force: true)
let startTask = Task { try await runner.start(request) }
_ = try await startTask.value
finished.wait()
let taskSeconds = seconds(since: taskStart)
print(String(format: "whole task: %.2f s = %.1fx real time", taskSeconds, footage / taskSeconds))
try? FileManager.default.removeItem(atPath: cacheDirectory)
