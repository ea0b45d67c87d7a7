import Foundation
import JumperCore
import Testing

@testable import Inference

/// Locations and helpers shared by the Inference tests.
enum TestSupport {
    static let photoDirectory = "/usr/lib/python3/dist-packages/skimage/data"
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    /// The installed `label-bridge-384` folder: `$JUMPER_MODELS_DIR/label-bridge-384`, or
    /// `<repo>/.cache/models/label-bridge-384`.
    static var modelDirectory: String {
        let models = ProcessInfo.processInfo.environment["JUMPER_MODELS_DIR"] ?? repositoryRoot + "/.cache/models"
        return models + "/label-bridge-384"
    }

    /// Returns the model directory, or fails the test with the command that installs it.
    static func requireModelDirectory(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let directory = Self.modelDirectory
        let manifest = directory + "/manifest.json"
        try #require(
            FileManager.default.fileExists(atPath: manifest),
            "models not installed at '\(directory)': run scripts/fetch-models.sh (or set JUMPER_MODELS_DIR)",
            sourceLocation: sourceLocation
        )
        return directory
    }

    /// The model, loaded once for the whole test run.
    static let sharedModel: Result<LabelBridgeModel, any Error> = Result {
        let directory = Self.modelDirectory
        guard FileManager.default.fileExists(atPath: directory + "/manifest.json") else {
            throw InferenceError.missingModelFile(path: directory + "/manifest.json")
        }
        let logger = Logger(label: "inference-tests", minimumLevel: .info)
        return try LabelBridgeModel.load(from: directory, logger: logger)
    }

    static func model(sourceLocation: SourceLocation = #_sourceLocation) throws -> LabelBridgeModel {
        _ = try Self.requireModelDirectory(sourceLocation: sourceLocation)
        return try Self.sharedModel.get()
    }

    /// Parses a JSON fixture from `Tests/InferenceTests/Fixtures`.
    static func fixture(_ name: String) throws -> JSON {
        let path = Self.repositoryRoot + "/Tests/InferenceTests/Fixtures/" + name
        let data = try #require(FileManager.default.contents(atPath: path), "fixture '\(path)' not found")
        return try JSON.parse(data)
    }

    // MARK: - ffmpeg

    /// Runs a command-line tool and returns its standard output; fails on a non-zero exit.
    static func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        return data
    }

    /// Decodes a photo to rgb24 at its native size with the ffmpeg CLI.
    static func decodePhoto(_ name: String) throws -> RGBImage {
        let path = Self.photoDirectory + "/" + name
        let probe = try Self.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path])
        let sizes = String(decoding: probe, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        try #require(sizes.count == 2, "ffprobe returned no size for '\(path)'")
        let pixels = try Self.run("ffmpeg", ["-v", "error", "-i", path, "-pix_fmt", "rgb24", "-f", "rawvideo", "-"])
        try #require(pixels.count == sizes[0] * sizes[1] * 3, "ffmpeg returned \(pixels.count) bytes for \(sizes[0])x\(sizes[1]) '\(path)'")
        return RGBImage(width: sizes[0], height: sizes[1], pixels: [UInt8](pixels))
    }

    /// Decodes a photo scaled to exactly 224 x 224 by ffmpeg's bilinear scaler, as the fixture
    /// generator does, and returns the bytes with their sha256 (from the `sha256sum` CLI).
    static func decodePhotoAt224(_ name: String, filter: String) throws -> (pixels: [UInt8], sha256: String) {
        let path = Self.photoDirectory + "/" + name
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("inference-\(UUID().uuidString).rgb").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        _ = try Self.run("ffmpeg", ["-v", "error", "-i", path, "-vf", filter, "-pix_fmt", "rgb24", "-f", "rawvideo", "-y", output])
        let pixels = try #require(FileManager.default.contents(atPath: output))
        let digest = String(decoding: try Self.run("sha256sum", [output]), as: UTF8.self).prefix(64)
        return ([UInt8](pixels), String(digest))
    }

    /// Returns the largest absolute element-wise difference.
    static func maxAbsoluteDifference(_ lhs: [Float], _ rhs: [Float]) -> Float {
        zip(lhs, rhs).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func dot(_ lhs: [Float], _ rhs: [Float]) -> Float {
        zip(lhs, rhs).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

extension JSON {
    /// The array's numbers as floats, or nil when this is not an array of numbers.
    var floatArray: [Float]? {
        guard let items = self.arrayValue else { return nil }
        let values = items.compactMap { $0.doubleValue }
        return values.count == items.count ? values.map { Float($0) } : nil
    }

    /// The array's integers, or nil when this is not an array of integers.
    var intArray: [Int]? {
        guard let items = self.arrayValue else { return nil }
        let values = items.compactMap { $0.intValue }
        return values.count == items.count ? values : nil
    }
}
