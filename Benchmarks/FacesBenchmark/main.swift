// Measures face analysis speed on 1080p frames and clustering time for 100,000 faces.
//
// Usage: swift build -c release --product FacesBenchmark &&
//        .build/release/FacesBenchmark <models folder> <faces test-image folder> [face count] [analysis|clustering|all]
//
// Prints wall-clock time and the CPU time of the process (user plus system, all threads);
// on a machine shared with other work, the CPU time is the steadier of the two.
import AnalysisStore
import Faces
import Foundation
import JumperCore

/// Decodes the first frame of an ffmpeg filter graph over `inputs` into RGB pixels.
func decode(_ inputs: [String], filter: String) throws -> RGBImage {
    var arguments = ["-v", "error", "-nostdin"]
    for input in inputs {
        arguments += ["-i", input]
    }
    arguments += ["-filter_complex", filter, "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, data.count == 1920 * 1080 * 3 else {
        throw BenchmarkError.ffmpegFailed(filter)
    }
    return RGBImage(width: 1920, height: 1080, pixels: [UInt8](data))
}

enum BenchmarkError: Error {
    case ffmpegFailed(String)
    case usage
}

/// Returns the CPU time this process has used so far (all threads, user and system), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    return user + system
}

func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}

/// Builds 1080p frames with two or three people at different sizes, like interview and
/// group shots.
func makeFrames(photos: String) throws -> [RGBImage] {
    let obama = "\(photos)/obama2.jpg"
    let biden = "\(photos)/biden.jpg"
    let hopper = "\(photos)/grace_hopper_512x512.jpg"
    let collins = "\(photos)/astronaut.png"
    let layouts: [([String], String)] = [
        // two people, faces about 300 px
        ([obama, biden], "[0]scale=-2:1080[a];[1]scale=-2:1080[b];[a][b]hstack=inputs=2,scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:0"),
        // three people, faces about 150-250 px
        ([hopper, collins, obama], "[0]scale=-2:640[a];[1]scale=-2:640[b];[2]scale=-2:640[c];[a][b][c]hstack=inputs=3,pad=1920:1080:(ow-iw)/2:220"),
        // one person in a medium shot, face about 200 px
        ([collins], "[0]scale=-2:900,pad=1920:1080:600:90"),
        // two people small in a wide shot, faces about 100-130 px
        ([hopper, biden], "[0]scale=-2:420[a];[1]scale=-2:900[b];[a]pad=iw:900:0:240[a2];[a2][b]hstack=inputs=2,pad=1920:1080:500:100"),
    ]
    return try layouts.map { try decode($0.0, filter: $0.1) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: FacesBenchmark <models folder> <faces test-image folder> [face count] [analysis|clustering|all]")
    exit(2)
}
let modelsDirectory = arguments[1]
let photos = arguments[2]
let faceCount = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
let mode = arguments.count > 4 ? arguments[4] : "all"
let logger = Logger(label: "FacesBenchmark", minimumLevel: .warning)

// MARK: - Face analysis on 1080p frames

if mode == "analysis" || mode == "all" {
    let engine = try FaceEngine.load(modelsDirectory: modelsDirectory, logger: logger)
    let frames = try makeFrames(photos: photos)
    let configurations: [(String, FaceDetectionOptions)] = [
        ("cnn, faces >= 80 px (detects at 1280x720)", FaceDetectionOptions(detector: .cnn, minFaceSize: 80)),
        ("cnn, faces >= 120 px (detects at 1280x720)", FaceDetectionOptions(detector: .cnn, minFaceSize: 120)),
        ("cnn, faces >= 160 px (detects at 960x540)", FaceDetectionOptions(detector: .cnn, minFaceSize: 160)),
        ("cnn, faces >= 200 px (detects at 768x432)", FaceDetectionOptions(detector: .cnn, minFaceSize: 200)),
        ("hog, faces >= 80 px (detects at 1280x720)", FaceDetectionOptions(detector: .hog, minFaceSize: 80)),
        ("hog, faces >= 120 px (detects at 1280x720)", FaceDetectionOptions(detector: .hog, minFaceSize: 120)),
        ("hog, faces >= 160 px (detects at 960x540)", FaceDetectionOptions(detector: .hog, minFaceSize: 160)),
    ]
    print("face analysis, \(frames.count) frames of 1920x1080, 3 rounds each; one frame per second of footage")
    for (label, options) in configurations {
        _ = try engine.detectFaces(in: frames[0], options: options)
        var faces = 0
        let cpuStarted = processCPUSeconds()
        let started = ContinuousClock.now
        let rounds = 3
        for _ in 0..<rounds {
            for frame in frames {
                faces += try engine.detectFaces(in: frame, options: options).count
            }
        }
        let perFrame = seconds(ContinuousClock.now - started) / Double(rounds * frames.count)
        let cpuPerFrame = (processCPUSeconds() - cpuStarted) / Double(rounds * frames.count)
        let facesPerFrame = Double(faces) / Double(rounds * frames.count)
        print(
            String(
                format: "  %@: %.0f ms wall (%.0f ms CPU) per frame, %.1f faces per frame, %.1fx real time",
                label,
                perFrame * 1000,
                cpuPerFrame * 1000,
                facesPerFrame,
                1 / perFrame
            )
        )
    }
}

// MARK: - Clustering synthetic faces

/// Deterministic pseudo-random numbers (SplitMix64) with Gaussian samples.
struct Generator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func gaussian() -> Float {
        let first = max(1e-12, Double(self.next() >> 11) / Double(1 << 53))
        let second = Double(self.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(first)).squareRoot() * cos(2 * Double.pi * second))
    }
}

if mode == "clustering" || mode == "all" {
    // identities about 0.85 apart and faces of one identity about 0.3 apart, like dlib embeddings;
    // 1000 people with 100 faces each for 100,000 faces, one face per frame
    let people = max(1, faceCount / 100)
    var generator = Generator(state: 42)
    let dimension = 128
    let identityScale: Float = 0.85 / (2 * Float(dimension)).squareRoot()
    let faceScale: Float = 0.3 / (2 * Float(dimension)).squareRoot()
    var records: [FaceRecord] = []
    records.reserveCapacity(faceCount)
    var centre = [Float](repeating: 0, count: dimension)
    for index in 0..<faceCount {
        if index % 100 == 0 {
            centre = (0..<dimension).map { _ in generator.gaussian() * identityScale }
        }
        let embedding = (0..<dimension).map { centre[$0] + generator.gaussian() * faceScale }
        records.append(
            FaceRecord(
                faceID: "face-\(index)",
                hashString: "media-\(index / 1000)",
                mediaPath: "/media/\(index / 1000).mov",
                frameIndex: index % 1000,
                timestampSeconds: Double(index % 1000),
                box: FaceBox(x: 0, y: 0, width: 100, height: 100),
                score: 1,
                embedding: embedding
            )
        )
    }
    var collection = FaceCollection(name: "benchmark")
    let clusteringCPUStarted = processCPUSeconds()
    let clusteringStarted = ContinuousClock.now
    let report = try collection.add(records)
    let clusteringSeconds = seconds(ContinuousClock.now - clusteringStarted)
    let clusteringCPUSeconds = processCPUSeconds() - clusteringCPUStarted
    print(
        String(
            format: "clustering %d synthetic faces of %d people (eps 0.48, min_samples 5): %.2f s wall, %.2f s CPU, %d clusters, %d unclustered",
            faceCount,
            people,
            clusteringSeconds,
            clusteringCPUSeconds,
            report.newClusterIDs.count,
            report.unclustered
        )
    )

    // Storage: the collection file that every analysed file and every edit rewrites.
    let folder = NSTemporaryDirectory() + "faces-benchmark-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = try CacheDirectory(path: folder)
    let clustered = collection
    let saveStarted = ContinuousClock.now
    try FaceCollectionStore().update(cache, name: "benchmark", createIfMissing: true) { $0 = clustered }
    let saveSeconds = seconds(ContinuousClock.now - saveStarted)
    let loadStarted = ContinuousClock.now
    let loadedCount = try FaceCollectionStore().read(cache, name: "benchmark") { $0.faces.count }
    let loadSeconds = seconds(ContinuousClock.now - loadStarted)
    let path = "\(cache.collectionFolderPath(name: "benchmark"))/\(FaceCollectionStore.fileName)"
    let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    print(
        String(
            format: "collection file of %d faces: %.1f MB, saved in %.2f s, loaded in %.2f s",
            loadedCount,
            Double(bytes) / 1e6,
            saveSeconds,
            loadSeconds
        )
    )
}
