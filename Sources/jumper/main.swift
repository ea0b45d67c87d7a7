import API
import Foundation
import JumperCore

// Signals must be blocked before any thread starts so that only the main thread's sigwait receives them.
var terminationSignals = sigset_t()
sigemptyset(&terminationSignals)
sigaddset(&terminationSignals, SIGINT)
sigaddset(&terminationSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &terminationSignals, nil)
signal(SIGPIPE, SIG_IGN)

let arguments = Array(CommandLine.arguments.dropFirst())
let topLevelUsage = """
    Usage: jumper <command> [options]

    Commands:
      serve    run the media-analysis server (jumper serve --help for its options)
      models   install or download a visual model (jumper models --help)
    """

guard let command = arguments.first, command != "-h", command != "--help", command != "help" else {
    print(topLevelUsage)
    exit(arguments.isEmpty ? 64 : 0)
}

switch command {
case "serve":
    let rest = Array(arguments.dropFirst())
    if rest.contains("-h") || rest.contains("--help") {
        print(ServeOptions.usage)
        exit(0)
    }
    do {
        let options = try ServeOptions(arguments: rest)
        let logger = Logger(label: "jumper", minimumLevel: options.logLevel)
        try Server(options: options, logger: logger).run()
    } catch {
        FileHandle.standardError.write(Data("jumper: \(error)\n".utf8))
        exit(1)
    }
case "models":
    let rest = Array(arguments.dropFirst())
    if rest.isEmpty || rest.contains("-h") || rest.contains("--help") {
        print(ModelsCommand.usage)
        exit(rest.isEmpty ? 64 : 0)
    }
    do {
        let command = try ModelsCommand(arguments: rest)
        try await command.run(logger: Logger(label: "jumper"))
    } catch {
        FileHandle.standardError.write(Data("jumper: \(error)\n".utf8))
        exit(1)
    }
default:
    FileHandle.standardError.write(Data("jumper: unknown command '\(command)'\n\(topLevelUsage)\n".utf8))
    exit(64)
}
