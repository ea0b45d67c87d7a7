// Measures SceneBoundaryDetector on videos with known boundaries and prints precision, recall
// and F1, and what the frame-by-frame pass costs next to the one-per-second sampling.
//
// Usage: SceneBenchmark VIDEO...   Each VIDEO needs its ground truth next to it as VIDEO.json
// (minus the extension), as scripts/make-scene-test-video.py writes it.
import Foundation
import Media

/// Returns the user plus system CPU time of this process so far, all threads included.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

/// Counts the predictions within `tolerance` seconds of a truth, each truth matched at most once.
func matchCount(_ predicted: [Double], _ truth: [Double], tolerance: Double) -> Int {
    var unmatched = truth
    var matches = 0
    for time in predicted {
        if let index = unmatched.firstIndex(where: { abs($0 - time) <= tolerance }) {
            unmatched.remove(at: index)
            matches += 1
        }
    }
    return matches
}

func format(_ value: Double) -> String {
    String(format: "%.3f", value)
}

let paths = Array(CommandLine.arguments.dropFirst())
if paths.isEmpty {
    FileHandle.standardError.write(Data("usage: SceneBenchmark VIDEO...\n".utf8))
    exit(2)
}

var totals = (cutTruth: 0, cutPredicted: 0, cutExact: 0, cutWithinFrame: 0, gradualTruth: 0, gradualFound: 0)
var falseAtEvents = 0
for path in paths {
    let truthPath = (path as NSString).deletingPathExtension + ".json"
    guard let data = FileManager.default.contents(atPath: truthPath),
        let truth = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let cuts = truth["cuts"] as? [Double], let gradual = truth["gradual"] as? [Double],
        let fps = truth["fps"] as? Double
    else {
        FileHandle.standardError.write(Data("error: '\(truthPath)' is missing or invalid\n".utf8))
        exit(1)
    }
    let flashes = truth["flashes"] as? [Double] ?? []
    let motion = (truth["motion"] as? [[Double]]) ?? []

    let sampleStart = processCPUSeconds()
    let sampler = try FrameSampler(path: path, shortSide: 256)
    let detector = SceneBoundaryDetector(path: path)
    var sampleCount = 0
    while let frame = try sampler.nextFrame() {
        detector.add(frame)
        sampleCount += 1
    }
    let sampleSeconds = processCPUSeconds() - sampleStart
    let detectStart = processCPUSeconds()
    let boundaries = try detector.detectBoundaries()
    let detectSeconds = processCPUSeconds() - detectStart

    let predictedCuts = boundaries.filter { $0.kind == .cut }.map(\.timeSeconds)
    let predictedGradual = boundaries.filter { $0.kind == .gradual }.map(\.timeSeconds)
    // A cut reported inside a fade or dissolve found the boundary, with the wrong kind: it counts
    // as neither a true nor a false cut.
    let cutsOutsideGradual = predictedCuts.filter { time in !gradual.contains { abs($0 - time) <= 1 } }
    let exact = matchCount(cutsOutsideGradual, cuts, tolerance: 0.5 / fps)
    let withinFrame = matchCount(cutsOutsideGradual, cuts, tolerance: 1.5 / fps)
    let gradualFound = matchCount(predictedGradual + predictedCuts, gradual, tolerance: 1)
    let unexplained = boundaries.map(\.timeSeconds).filter { time in
        !cuts.contains { abs($0 - time) <= 1.5 / fps } && !gradual.contains { abs($0 - time) <= 1 }
    }
    let atEvents = unexplained.filter { time in
        flashes.contains { abs($0 - time) <= 0.5 } || motion.contains { $0[0] - 0.1 <= time && time <= $0[1] + 0.1 }
    }
    print("\(path): \(sampleCount) samples, \(boundaries.count) boundaries, \(detector.scannedFrameCount) frames scanned")
    print("  sampling CPU \(format(sampleSeconds)) s, boundary pass CPU \(format(detectSeconds)) s "
        + "(+\(String(format: "%.1f", 100 * detectSeconds / sampleSeconds)) %)")
    print("  cuts: truth \(cuts.count), predicted \(cutsOutsideGradual.count), exact frame \(exact), within 1 frame \(withinFrame)")
    if ProcessInfo.processInfo.environment["SCENE_BENCHMARK_VERBOSE"] != nil {
        print("  boundaries: " + boundaries.map { "\(format($0.timeSeconds)) \($0.kind.rawValue)" }.joined(separator: ", "))
    }
    print("  gradual: truth \(gradual.count), found within 1 s \(gradualFound)")
    print("  unexplained boundaries: \(unexplained.map { format($0) }), at flashes or motion: \(atEvents.count)")
    totals.cutTruth += cuts.count
    totals.cutPredicted += cutsOutsideGradual.count
    totals.cutExact += exact
    totals.cutWithinFrame += withinFrame
    totals.gradualTruth += gradual.count
    totals.gradualFound += gradualFound
    falseAtEvents += atEvents.count
}

let precision = Double(totals.cutExact) / Double(max(1, totals.cutPredicted))
let recall = Double(totals.cutExact) / Double(max(1, totals.cutTruth))
let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
print("hard cuts at the exact frame: precision \(format(precision)), recall \(format(recall)), F1 \(format(f1))")
let precisionLoose = Double(totals.cutWithinFrame) / Double(max(1, totals.cutPredicted))
let recallLoose = Double(totals.cutWithinFrame) / Double(max(1, totals.cutTruth))
let f1Loose = precisionLoose + recallLoose > 0 ? 2 * precisionLoose * recallLoose / (precisionLoose + recallLoose) : 0
print("hard cuts within one frame: precision \(format(precisionLoose)), recall \(format(recallLoose)), F1 \(format(f1Loose))")
print("fades and dissolves within 1 s: recall \(format(Double(totals.gradualFound) / Double(max(1, totals.gradualTruth))))")
print("false boundaries at flashes, pans and zooms: \(falseAtEvents)")
