import Foundation
import JumperCore
import Speech
import Testing

/// Shared fixtures: installed models, real speech clips from Debian packages, media made with the ffmpeg CLI.
enum SpeechFixtures {
    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$JUMPER_MODELS_DIR`, else `$JUMPER_CACHE_DIR/models`, else `<package>/.cache/models`, where
    /// scripts/fetch-speech-models.sh installs them.
    static let modelsDirectory: String = {
        let environment = ProcessInfo.processInfo.environment
        if let models = environment["JUMPER_MODELS_DIR"] {
            return models
        }
        if let cache = environment["JUMPER_CACHE_DIR"] {
            return cache + "/models"
        }
        return packageDirectory.appendingPathComponent(".cache/models").path
    }()

    static let librivoxDirectory = "/usr/share/pocketsphinx/test/data/librivox"
    static let frenchDirectory = "/usr/share/asterisk/sounds/fr_CA_f_June"

    static let logger = Logger(label: "speech-tests", minimumLevel: .warning)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var engines: [String: SpeechEngine] = [:]

    /// Loads a model once per test process; whisper.cpp contexts are expensive to create.
    static func engine(_ key: String = "whisper-base") throws -> SpeechEngine {
        self.lock.lock()
        defer { self.lock.unlock() }
        if let engine = self.engines[key] { return engine }
        let engine = try SpeechEngine.load(modelKey: key, modelsDirectory: self.modelsDirectory, logger: self.logger)
        self.engines[key] = engine
        return engine
    }

    /// Reference transcripts of the LibriVox clips, by file name without extension.
    static func librivoxTranscripts() throws -> [String: String] {
        let text = try String(contentsOfFile: self.librivoxDirectory + "/transcription", encoding: .utf8)
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            // "<s> words </s> (file-id)"
            guard let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")") else { continue }
            let id = String(line[line.index(after: open)..<close])
            let words = line[..<open].replacingOccurrences(of: "<s>", with: "").replacingOccurrences(of: "</s>", with: "")
            result[id] = words.trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    static func librivoxPath(_ id: String) -> String {
        "\(self.librivoxDirectory)/\(id).wav"
    }

    /// A fresh temporary folder for one test's media.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("speech-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs the ffmpeg CLI with `arguments` (after `-y -loglevel error`); fails the test on a non-zero exit.
    static func ffmpeg(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-y", "-nostdin", "-loglevel", "error"] + arguments
        let errorPipe = Pipe()
        process.standardError = errorPipe
        try process.run()
        let errorOutput = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            let message = String(decoding: errorOutput, as: UTF8.self)
            throw FixtureError.ffmpegFailed(arguments: arguments.joined(separator: " "), message: message)
        }
    }

    /// Decodes a file with the module's decoder.
    static func decode(_ path: String) throws -> [Float] {
        try AudioDecoder(logger: self.logger).decode(path: path).samples
    }

    /// Transcribes a media file end to end: decode, then transcribe.
    static func transcribe(_ path: String, model: String = "whisper-base", language: String = "auto") throws -> Transcript {
        let samples = try self.decode(path)
        return try self.engine(model).transcribe(samples: samples, language: language, isCancelled: { false }, progress: { _ in })
    }

    /// Returns the time in seconds of the first 10 ms frame louder than 10 % of the clip's loudest frame.
    static func speechOnset(_ samples: [Float]) -> Double {
        let frame = AudioDecoder.sampleRate / 100
        var levels: [Float] = []
        var index = 0
        while index + frame <= samples.count {
            let slice = samples[index..<(index + frame)]
            levels.append((slice.reduce(0) { $0 + $1 * $1 } / Float(frame)).squareRoot())
            index += frame
        }
        let loudest = levels.max() ?? 0
        let first = levels.firstIndex { $0 > loudest * 0.1 } ?? 0
        return Double(first) / 100
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case ffmpegFailed(arguments: String, message: String)

    var description: String {
        switch self {
        case .ffmpegFailed(let arguments, let message):
            return "ffmpeg \(arguments) failed: \(message)"
        }
    }
}

/// Word error rate: word-level edit distance divided by the reference length, after normalisation.
enum WordErrorRate {
    static func normalized(_ text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return folded
            .replacingOccurrences(of: "'", with: " ")
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map(String.init)
    }

    static func rate(hypothesis: String, reference: String) -> Double {
        let hypothesisWords = self.normalized(hypothesis)
        let referenceWords = self.normalized(reference)
        guard !referenceWords.isEmpty else { return hypothesisWords.isEmpty ? 0 : 1 }
        var previous = Array(0...hypothesisWords.count)
        for (i, referenceWord) in referenceWords.enumerated() {
            var current = [i + 1] + [Int](repeating: 0, count: hypothesisWords.count)
            for (j, hypothesisWord) in hypothesisWords.enumerated() {
                let substitution = previous[j] + (referenceWord == hypothesisWord ? 0 : 1)
                current[j + 1] = min(substitution, previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return Double(previous[hypothesisWords.count]) / Double(referenceWords.count)
    }
}

extension Transcript {
    var text: String { self.segments.map(\.text).joined(separator: " ") }

    /// Records a test issue for every time-order violation of the contract.
    func expectOrderedTimes(sourceLocation: SourceLocation = #_sourceLocation) {
        var previousStart = 0.0
        for segment in self.segments {
            #expect(segment.start >= previousStart, "segment \(segment.id) starts before the previous one", sourceLocation: sourceLocation)
            #expect(segment.end >= segment.start, "segment \(segment.id) ends before it starts", sourceLocation: sourceLocation)
            #expect(segment.end <= self.duration + 0.01, "segment \(segment.id) ends after the audio", sourceLocation: sourceLocation)
            var previousWordStart = segment.start
            for word in segment.words {
                #expect(word.start >= previousWordStart, "word '\(word.word)' starts too early", sourceLocation: sourceLocation)
                #expect(word.end >= word.start, "word '\(word.word)' ends before it starts", sourceLocation: sourceLocation)
                #expect(word.end <= segment.end + 0.001, "word '\(word.word)' ends after its segment", sourceLocation: sourceLocation)
                previousWordStart = word.start
            }
            previousStart = segment.start
        }
    }
}
