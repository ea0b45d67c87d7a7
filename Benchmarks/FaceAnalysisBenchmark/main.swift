// Measures face analysis speed on one video through the real analysis path: the task runner
// probes, hashes, decodes one frame per second at the face resolution, finds faces, embeds
// and crops them, writes faces.jsonl and clusters the faces into a collection.
//
// Usage: FaceAnalysisBenchmark VIDEO MODELS_DIR
//
// Prints seconds of footage per second of wall time for decoding alone, for a faces-only
// task, and for a task with visual analysis and faces, plus the CPU time of the process
// (user plus system, all threads) for each.
import Analysis
import AnalysisStore
import Faces
import Foundation
import JumperCore
import Media

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: FaceAnalysisBenchmark VIDEO MODELS_DIR\n".utf8))
    exit(64)
}
let videoPath = URL(fileURLWithPath: arguments[1]).standardizedFileURL.path
let modelsDirectory = arguments[2]
let logger = Logger(label: "bench", minimumLevel: .warning)

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Returns the CPU time this process has used so far (all threads, user and system), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    return user + system
}

let info = try MediaProbe.probe(path: videoPath)
let footage = info.duration ?? 0
print("input: \(videoPath), \(info.width ?? 0)x\(info.height ?? 0), \(String(format: "%.1f", footage)) s, \(info.videoCodec ?? "?")")

// Decoding alone at the resolution face analysis samples.
let decodeStart = ContinuousClock.now
let decodeCPU = processCPUSeconds()
let sampler = try FrameSampler(path: videoPath, shortSide: 720)
var frameCount = 0
while try sampler.nextFrame() != nil {
    frameCount += 1
}
let decodeSeconds = seconds(since: decodeStart)
print(
    String(
        format: "decode at 720p: %d frames in %.2f s (CPU %.2f s) = %.1fx real time",
        frameCount, decodeSeconds, processCPUSeconds() - decodeCPU, footage / decodeSeconds
    )
)

let registry = ModelRegistry(modelsDirectory: modelsDirectory, logger: logger)
let speech = SpeechModels(modelsDirectory: modelsDirectory, logger: logger)
let finished = DispatchSemaphore(value: 0)
let runner = TaskRunner(models: registry, speech: speech, logger: logger) { progress in
    if progress.isFinal {
        if progress.status != .completed {
            print("task ended \(progress.status.rawValue): \(progress.message)")
        }
        finished.signal()
    }
}
// Loaded before timing, as a server keeps them loaded between tasks.
_ = try runner.faces.engine()
_ = try registry.visualModel(key: ModelRegistry.defaultVisualKey, waitIfLoading: true)

/// Runs one task over the video into a fresh cache folder and prints its speed.
func runTask(label: String, visual: Bool) async throws {
    let cacheDirectory = NSTemporaryDirectory() + "jumper-face-bench-\(getpid())-\(label)"
    defer { try? FileManager.default.removeItem(atPath: cacheDirectory) }
    let request = AnalysisRequest(
        mediaPaths: [videoPath], cacheDirectory: cacheDirectory, visual: visual, speech: false, faces: true,
        clusterJobName: "bench", visualModelKey: ModelRegistry.defaultVisualKey, force: true
    )
    let start = ContinuousClock.now
    let startCPU = processCPUSeconds()
    _ = try await runner.start(request)
    finished.wait()
    let wall = seconds(since: start)
    let cpu = processCPUSeconds() - startCPU
    let cache = try CacheDirectory(path: cacheDirectory)
    let header = cache.readFaceAnalysisHeader(hashString: info.hashString)
    let clusters = try runner.collections.read(cache, name: "bench") { $0.clusters.count }
    print(
        String(
            format: "%@: %.2f s wall, %.2f s CPU = %.1fx real time; %d faces in %d frames, %d clusters",
            label, wall, cpu, footage / wall, header?.faceCount ?? -1, header?.frameCount ?? -1, clusters
        )
    )
}

try await runTask(label: "faces only", visual: false)
try await runTask(label: "visual and faces", visual: true)
