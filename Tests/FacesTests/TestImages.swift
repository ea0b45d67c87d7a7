import Foundation
import JumperCore
import Testing

@testable import Faces

/// Paths of the models and photos the tests read, and decoding with the `ffmpeg` CLI.
enum TestImages {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    static var cacheDirectory: String {
        ProcessInfo.processInfo.environment["JUMPER_CACHE_DIR"] ?? "\(Self.repositoryRoot)/.cache"
    }

    /// The folder holding dlib's three model files.
    static var modelsDirectory: String {
        let models = ProcessInfo.processInfo.environment["JUMPER_MODELS_DIR"] ?? "\(Self.cacheDirectory)/models"
        return "\(models)/\(FaceEngine.modelKey)"
    }

    /// The folder `scripts/fetch-face-test-images.sh` fills.
    static var facesDirectory: String {
        let media = ProcessInfo.processInfo.environment["JUMPER_TEST_MEDIA_DIR"] ?? "\(Self.cacheDirectory)/test-media"
        return "\(media)/faces"
    }

    static func path(_ name: String) -> String {
        "\(Self.facesDirectory)/\(name)"
    }

    /// Decodes the first frame of `inputs` through the `ffmpeg` CLI, with an optional filter
    /// graph, and returns its RGB pixels.
    static func decode(_ inputs: [String], filter: String? = nil) throws -> RGBImage {
        for input in inputs where !FileManager.default.fileExists(atPath: input) {
            throw TestImageError.missing(input)
        }
        var arguments = ["-v", "error", "-nostdin"]
        for input in inputs {
            arguments += ["-i", input]
        }
        if let filter {
            arguments += [inputs.count > 1 ? "-filter_complex" : "-vf", filter]
        }
        // PPM is rgb24 rawvideo with a small header that carries the size.
        arguments += ["-frames:v", "1", "-pix_fmt", "rgb24", "-f", "image2pipe", "-c:v", "ppm", "-"]
        let output = try Self.run("/usr/bin/ffmpeg", arguments)
        return try Self.parsePPM(output)
    }

    static func decode(_ name: String, filter: String? = nil) throws -> RGBImage {
        try Self.decode([Self.path(name)], filter: filter)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestImageError.ffmpegFailed(arguments.joined(separator: " "), errorText)
        }
        return data
    }

    private static func parsePPM(_ data: Data) throws -> RGBImage {
        let bytes = [UInt8](data)
        var fields: [String] = []
        var index = 0
        while fields.count < 4 && index < bytes.count {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D {
                index += 1
            }
            var field = ""
            while index < bytes.count, bytes[index] != 0x20, bytes[index] != 0x0A, bytes[index] != 0x0D {
                field.append(Character(UnicodeScalar(bytes[index])))
                index += 1
            }
            fields.append(field)
        }
        index += 1
        guard fields.count == 4, fields[0] == "P6", let width = Int(fields[1]), let height = Int(fields[2]),
            bytes.count - index == width * height * 3
        else {
            throw TestImageError.invalidPPM(fields)
        }
        return RGBImage(width: width, height: height, pixels: Array(bytes[index...]))
    }
}

enum TestImageError: Error, CustomStringConvertible {
    case missing(String)
    case ffmpegFailed(String, String)
    case invalidPPM([String])

    var description: String {
        switch self {
        case .missing(let path):
            "test image '\(path)' is missing: run scripts/fetch-face-test-images.sh (JUMPER_TEST_MEDIA_DIR sets its folder)"
        case .ffmpegFailed(let arguments, let message):
            "ffmpeg \(arguments) failed: \(message)"
        case .invalidPPM(let header):
            "ffmpeg output is not a binary PPM: header \(header)"
        }
    }
}

/// One engine for all tests, because loading takes about a second.
enum SharedEngine {
    static let result: Result<FaceEngine, any Error> = Result {
        try FaceEngine.load(
            modelsDirectory: TestImages.modelsDirectory,
            defaultOptions: FaceDetectionOptions(detector: .cnn),
            logger: Logger(label: "faces-tests", minimumLevel: .warning)
        )
    }

    static func get() throws -> FaceEngine {
        try Self.result.get()
    }
}

/// Returns the Euclidean distance between two embeddings.
func euclideanDistance(_ a: [Float], _ b: [Float]) -> Float {
    var sum: Float = 0
    for index in a.indices {
        let difference = a[index] - b[index]
        sum += difference * difference
    }
    return sum.squareRoot()
}
