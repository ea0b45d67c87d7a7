// Measures the speech engine and the transcript index; run through Benchmarks/speech-benchmarks.sh.
//
// Usage: SpeechBenchmarks [speech|search|all] --models-dir DIR [--models a,b] [--threads N] [--hours H]
import Foundation
import JumperCore
import Speech
import TranscriptSearch

struct Options {
    var mode = "all"
    var modelsDirectory = ""
    var models = ["whisper-tiny-en", "whisper-base"]
    var threads = 2
    var hours = 1000
    var workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("speech-benchmarks").path

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "speech", "search", "all": self.mode = argument
            case "--models-dir": self.modelsDirectory = iterator.next() ?? ""
            case "--models": self.models = (iterator.next() ?? "").split(separator: ",").map(String.init)
            case "--threads": self.threads = Int(iterator.next() ?? "") ?? self.threads
            case "--hours": self.hours = Int(iterator.next() ?? "") ?? self.hours
            case "--work-dir": self.workDirectory = iterator.next() ?? self.workDirectory
            default:
                FileHandle.standardError.write(Data("unknown argument '\(argument)'; see the usage line in main.swift\n".utf8))
                exit(2)
            }
        }
    }
}

let options = Options(arguments: CommandLine.arguments)
let logger = Logger(label: "speech-benchmarks", minimumLevel: .warning)
try FileManager.default.createDirectory(atPath: options.workDirectory, withIntermediateDirectories: true)

if options.mode == "speech" || options.mode == "all" {
    try SpeechBenchmark(options: options, logger: logger).run()
}
if options.mode == "search" || options.mode == "all" {
    try SearchBenchmark(options: options, logger: logger).run()
}
