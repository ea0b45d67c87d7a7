// Times FrameSampler over whole files and prints seconds of footage sampled per second of wall
// time. Usage: MediaBenchmark [--no-seek] [--no-skip] FILE...
//   --no-seek  decode every frame up to each sampled time instead of seeking to keyframes
//   --no-skip  decode non-reference frames too
import Foundation
import Media

var arguments = Array(CommandLine.arguments.dropFirst())
let seeksToKeyframes = !arguments.contains("--no-seek")
let skipsNonReferenceFrames = !arguments.contains("--no-skip")
arguments.removeAll { $0.hasPrefix("--") }
if arguments.isEmpty {
    FileHandle.standardError.write(Data("usage: MediaBenchmark [--no-seek] [--no-skip] FILE...\n".utf8))
    exit(2)
}

/// Returns the user plus system CPU time of this process so far, all threads included.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

let mode = [
    seeksToKeyframes ? "seek" : "no seek",
    skipsNonReferenceFrames ? "skip non-ref" : "no skip",
].joined(separator: ", ")

for path in arguments {
    do {
        let duration = try MediaProbe.probe(path: path).duration ?? 0
        let start = Date()
        let cpuStart = processCPUSeconds()
        let sampler = try FrameSampler(
            path: path,
            shortSide: 256,
            seeksToKeyframes: seeksToKeyframes,
            skipsNonReferenceFrames: skipsNonReferenceFrames
        )
        var frameCount = 0
        while try sampler.nextFrame() != nil {
            frameCount += 1
        }
        let seconds = Date().timeIntervalSince(start)
        let cpuSeconds = processCPUSeconds() - cpuStart
        let wall = String(format: "%.2f", seconds)
        let speed = String(format: "%.1f", duration / seconds)
        let cpu = String(format: "%.2f", cpuSeconds)
        let cpuSpeed = String(format: "%.1f", duration / cpuSeconds)
        print(
            "FrameSampler (\(mode)) \(path): \(frameCount) frames, wall \(wall) s = \(speed) s of footage per s, "
                + "CPU \(cpu) s = \(cpuSpeed) s of footage per CPU s"
        )
    } catch {
        print("FrameSampler \(path): \(error)")
        exit(1)
    }
}
