import Foundation
import JumperCore
import Testing

/// The media files `scripts/make-test-media.sh` makes, created once per test run in a temporary
/// folder named after the script's content, so an unchanged script reuses finished files.
enum TestMedia {
    static let scriptPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("scripts/make-test-media.sh")
        .path

    /// The folder with the media, or the error that stopped the script.
    static let folder: Result<String, TestMediaError> = {
        do {
            let script = try Data(contentsOf: URL(fileURLWithPath: scriptPath))
            let digest = script.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            let folder = NSTemporaryDirectory() + "jumper-media-tests-" + String(digest, radix: 16)
            let result = try run("/bin/bash", [scriptPath, folder])
            guard result.status == 0 else {
                return .failure(TestMediaError(message: "make-test-media.sh failed: \(result.errorOutput)"))
            }
            return .success(folder)
        } catch {
            return .failure(TestMediaError(message: "make-test-media.sh could not run: \(error)"))
        }
    }()

    /// Returns the path of one of the script's files.
    static func path(_ name: String) throws -> String {
        try self.folder.get() + "/" + name
    }

    /// Runs a program and returns its exit status, standard output and standard error.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (
        status: Int32, output: Data, errorOutput: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        try process.run()
        // Standard output is read first because it may be large. The programs run here write at
        // most a few lines to standard error, far below the pipe's buffer, so they cannot block.
        let output = outputPipe.fileHandleForReading.readDataToEndOfFile()
        let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, String(decoding: errorData, as: UTF8.self))
    }

    /// Decodes one frame with the ffmpeg CLI (which applies the display rotation) as RGB24 at
    /// `width` x `height`; `frameNumber` counts decoded frames from 0. The scaler settings and
    /// the BT.709 input matrix match what the media layer uses for untagged HD video.
    static func ffmpegFrame(path: String, frameNumber: Int, width: Int, height: Int) throws -> RGBImage {
        let scale = "scale=\(width):\(height):flags=bicubic+accurate_rnd+full_chroma_int:in_color_matrix=bt709"
        let result = try run(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-i", path,
                "-vf", "select=eq(n\\,\(frameNumber)),\(scale)",
                "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
            ]
        )
        guard result.status == 0, result.output.count == width * height * 3 else {
            throw TestMediaError(
                message: "ffmpeg could not extract frame \(frameNumber) of '\(path)': \(result.errorOutput)"
            )
        }
        return RGBImage(width: width, height: height, pixels: [UInt8](result.output))
    }

    /// Returns a fresh empty temporary folder.
    static func makeTemporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "jumper-media-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

struct TestMediaError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

// MARK: - Image measurements

extension RGBImage {
    /// Returns the mean red, green and blue of a rectangle.
    func meanColor(x: Int, y: Int, width: Int, height: Int) -> (red: Double, green: Double, blue: Double) {
        var sums = (0.0, 0.0, 0.0)
        for row in y..<(y + height) {
            for column in x..<(x + width) {
                let pixel = self.pixel(x: column, y: row)
                sums.0 += Double(pixel.red)
                sums.1 += Double(pixel.green)
                sums.2 += Double(pixel.blue)
            }
        }
        let count = Double(width * height)
        return (sums.0 / count, sums.1 / count, sums.2 / count)
    }

    /// Returns the mean absolute difference per byte against an image of the same size.
    func meanAbsoluteDifference(to other: RGBImage) -> Double {
        precondition(self.width == other.width && self.height == other.height)
        var total = 0
        for index in self.pixels.indices {
            total += abs(Int(self.pixels[index]) - Int(other.pixels[index]))
        }
        return Double(total) / Double(self.pixels.count)
    }
}
