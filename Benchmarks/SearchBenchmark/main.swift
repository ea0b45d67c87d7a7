// Measures visual search latency on synthetic data. It writes `mediaCount` analyses of
// `framesPerMedia` random normalised vectors into a temporary cache folder, loads them,
// then times random queries. Run with `swift run -c release SearchBenchmark [options]`.

import AnalysisStore
import Foundation
import JumperCore
import Search

struct Options {
    var mediaCount = 100
    var framesPerMedia = 3600
    var dimension = 384
    var queryCount = 200
    var maxResults = 50
    var thumbnailBytes = 0
    var keepFolder = false
    /// Writing under a real model's key lets the kept folder be searched through the server.
    var modelKey: String?

    static let usage = """
        usage: SearchBenchmark [--media N] [--frames N] [--dimension N] [--queries N]
                               [--max-results N] [--thumbnail-bytes N] [--keep] [--model-key KEY]
          --media            number of media files (default 100)
          --frames           frames per media, one per second (default 3600)
          --dimension        vector dimension (default 384)
          --queries          number of timed searches per mode (default 200)
          --max-results      matches per search (default 50)
          --thumbnail-bytes  size of the stand-in thumbnail stored per frame (default 0)
          --keep             keep the temporary cache folder
          --model-key        model key written into the analyses (default benchmark-DIMENSION)
          --help             print this help
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func nextInteger(_ name: String) -> Int {
            index += 1
            guard index < arguments.count, let value = Int(arguments[index]), value >= 0 else {
                FileHandle.standardError.write(Data("invalid value for \(name)\n\(usage)\n".utf8))
                exit(2)
            }
            return value
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--media": options.mediaCount = nextInteger("--media")
            case "--frames": options.framesPerMedia = nextInteger("--frames")
            case "--dimension": options.dimension = nextInteger("--dimension")
            case "--queries": options.queryCount = nextInteger("--queries")
            case "--max-results": options.maxResults = nextInteger("--max-results")
            case "--thumbnail-bytes": options.thumbnailBytes = nextInteger("--thumbnail-bytes")
            case "--keep": options.keepFolder = true
            case "--model-key":
                index += 1
                guard index < arguments.count else {
                    FileHandle.standardError.write(Data("missing value for --model-key\n\(usage)\n".utf8))
                    exit(2)
                }
                options.modelKey = arguments[index]
            case "--help", "-h":
                print(usage)
                exit(0)
            default:
                FileHandle.standardError.write(Data("unknown option '\(arguments[index])'\n\(usage)\n".utf8))
                exit(2)
            }
            index += 1
        }
        return options
    }
}

/// SplitMix64: fast, seedable, good enough for synthetic vectors.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Returns `count` random L2-normalised vectors of `dimension` values, concatenated.
func randomUnitVectors(count: Int, dimension: Int, generator: inout SplitMix64) -> [Float] {
    var values = [Float](repeating: 0, count: count * dimension)
    for row in 0..<count {
        var squaredNorm: Float = 0
        for column in 0..<dimension {
            let value = Float.random(in: -1...1, using: &generator)
            values[row * dimension + column] = value
            squaredNorm += value * value
        }
        let scale = 1 / squaredNorm.squareRoot()
        for column in 0..<dimension {
            values[row * dimension + column] *= scale
        }
    }
    return values
}

/// Returns the 1-minute load average, to tell a busy machine's numbers from an idle one's.
func loadAverage() -> String {
    var averages = [Double](repeating: 0, count: 3)
    guard getloadavg(&averages, 3) == 3 else { return "unknown" }
    return String(format: "%.2f", averages[0])
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

/// Returns the CPU time this process has used, all threads included, in milliseconds.
func processCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
}

func percentile(_ sortedValues: [Double], _ fraction: Double) -> Double {
    let index = Int((Double(sortedValues.count - 1) * fraction).rounded())
    return sortedValues[index]
}

func folderSize(_ path: String) -> Int {
    let enumerator = FileManager.default.enumerator(atPath: path)
    var total = 0
    while let name = enumerator?.nextObject() as? String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(name)")
        if attributes?[.type] as? FileAttributeType == .typeRegular {
            total += (attributes?[.size] as? Int) ?? 0
        }
    }
    return total
}

// MARK: - Writing

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let folderPath = NSTemporaryDirectory() + "search-benchmark-\(getpid())"
let cacheDirectory = try CacheDirectory(path: folderPath)
var generator = SplitMix64(state: 42)
let modelKey = options.modelKey ?? "benchmark-\(options.dimension)"
let totalFrames = options.mediaCount * options.framesPerMedia
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
    + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB, load average \(loadAverage())")
print("writing \(options.mediaCount) media x \(options.framesPerMedia) frames x \(options.dimension) dimensions "
    + "(\(totalFrames) frames) to \(folderPath)")

let writeStart = ContinuousClock.now
var hashStrings: [String] = []
for mediaIndex in 0..<options.mediaCount {
    let hashString = String(format: "%08x-%d", mediaIndex, 1_000_000 + mediaIndex)
    hashStrings.append(hashString)
    var sceneStarts: [Double] = [0]
    while let last = sceneStarts.last, last < Double(options.framesPerMedia) {
        sceneStarts.append(last + Double(Int.random(in: 3...30, using: &generator)))
    }
    sceneStarts.removeLast()
    let thumbnail = [UInt8](repeating: 0xAB, count: options.thumbnailBytes)
    let analysis = VisualAnalysis(
        hashString: hashString,
        sourcePath: "/media/benchmark/clip-\(mediaIndex).mov",
        modelKey: modelKey,
        dimension: options.dimension,
        duration: Double(options.framesPerMedia),
        frameTimes: (0..<options.framesPerMedia).map(Double.init),
        vectors: randomUnitVectors(count: options.framesPerMedia, dimension: options.dimension, generator: &generator),
        sceneStarts: sceneStarts,
        thumbnails: options.thumbnailBytes == 0 ? [] : Array(repeating: thumbnail, count: options.framesPerMedia)
    )
    try cacheDirectory.writeVisualAnalysis(analysis, mediaType: "video")
}
let writeSeconds = milliseconds(ContinuousClock.now - writeStart) / 1000
let bytesOnDisk = folderSize(folderPath)
let hours = Double(totalFrames) / 3600
print(String(format: "write: %.1f s; on disk %.1f MB = %.2f MB per hour of footage (thumbnails %d bytes each)",
    writeSeconds, Double(bytesOnDisk) / 1e6, Double(bytesOnDisk) / 1e6 / hours, options.thumbnailBytes))

// MARK: - Loading

let logger = Logger(label: "benchmark", minimumLevel: .warning)
let index = VisualSearchIndex(logger: logger)
let loadStart = ContinuousClock.now
let loadCPUStart = processCPUMilliseconds()
let summary = try index.loadAll(cacheDirectory: cacheDirectory)
let loadMilliseconds = milliseconds(ContinuousClock.now - loadStart)
let loadCPUMilliseconds = processCPUMilliseconds() - loadCPUStart
print(String(format: "load: %d media, %d frames in %.0f ms (CPU time %.0f ms); failures %d",
    summary.loaded.count, summary.frameCount, loadMilliseconds, loadCPUMilliseconds, summary.failures.count))
let reloadStart = ContinuousClock.now
_ = try index.loadAll(cacheDirectory: cacheDirectory)
print(String(format: "reload of unchanged files: %.0f ms", milliseconds(ContinuousClock.now - reloadStart)))

// MARK: - Searching

@MainActor
func timeSearches(index: VisualSearchIndex, label: String, perScene: Bool, excludeCount: Int) {
    var latencies: [Double] = []
    var cpuTimes: [Double] = []
    var matchCount = 0
    for _ in 0..<options.queryCount {
        let query = VisualQuery(
            cacheDirectoryPath: folderPath,
            modelKey: modelKey,
            vector: randomUnitVectors(count: 1, dimension: options.dimension, generator: &generator),
            excludeVectors: (0..<excludeCount).map { _ in
                randomUnitVectors(count: 1, dimension: options.dimension, generator: &generator)
            },
            maxResults: options.maxResults,
            perScene: perScene
        )
        let start = ContinuousClock.now
        let cpuStart = processCPUMilliseconds()
        let matches = index.search(query)
        latencies.append(milliseconds(ContinuousClock.now - start))
        cpuTimes.append(processCPUMilliseconds() - cpuStart)
        matchCount += matches.count
    }
    latencies.sort()
    cpuTimes.sort()
    print(String(format: "search %@: median %.1f ms, p95 %.1f ms, max %.1f ms; CPU time median %.1f ms "
        + "(%d queries, %.0f matches each)",
        label, percentile(latencies, 0.5), percentile(latencies, 0.95), latencies.last ?? 0,
        percentile(cpuTimes, 0.5), options.queryCount, Double(matchCount) / Double(max(options.queryCount, 1))))
}

print("load average before searching: \(loadAverage())")
let threadCounts = Set([1, index.maxScoringThreads]).sorted()
for threadCount in threadCounts {
    let threadIndex = VisualSearchIndex(logger: logger, maxScoringThreads: threadCount)
    _ = try threadIndex.loadAll(cacheDirectory: cacheDirectory)
    print("scoring threads: \(threadCount)")
    timeSearches(index: threadIndex, label: "per scene", perScene: true, excludeCount: 0)
    timeSearches(index: threadIndex, label: "per frame", perScene: false, excludeCount: 0)
    timeSearches(index: threadIndex, label: "per scene, 2 exclude vectors", perScene: true, excludeCount: 2)
}

if !options.keepFolder {
    try? FileManager.default.removeItem(atPath: folderPath)
}
