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

let mode = [
    seeksToKeyframes ? "seek" : "no seek",
    skipsNonReferenceFrames ? "skip non-ref" : "no skip",
].joined(separator: ", ")

for path in arguments {
    do {
        let duration = try MediaProbe.probe(path: path).duration ?? 0
        let start = Date()
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
        let wall = String(format: "%.2f", seconds)
        let speed = String(format: "%.1f", duration / seconds)
        print("FrameSampler (\(mode)) \(path): \(frameCount) frames in \(wall) s, \(speed) s of footage per s")
    } catch {
        print("FrameSampler \(path): \(error)")
        exit(1)
    }
}
