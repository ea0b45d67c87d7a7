import API
import Foundation
import JumperCore

/// The options of `jumper serve`, parsed from the command line.
struct ServeOptions {
    var host = "127.0.0.1"
    var port = 6699
    var dataDirectory = ServeOptions.defaultDataDirectory()
    var modelsDirectory: String?
    var logLevel = LogLevel.info

    static let usage = """
        Usage: jumper serve [options]

        Runs the Jumper media-analysis server: the REST API at http://HOST:PORT/api/v1 and
        Socket.IO progress events at /socket.io/ on the same port.

        Options:
          --host ADDRESS     address to listen on (default 127.0.0.1; binding another address
                             exposes the API to the network)
          --port NUMBER      TCP port (default 6699)
          --data-dir PATH    folder for the server's own state: license keys, watch folders
                             (default $XDG_DATA_HOME/jumper or ~/.local/share/jumper)
          --models-dir PATH  folder holding the installed models (default DATA-DIR/models)
          --log-level LEVEL  trace, debug, info, notice, warning, error or critical (default info)
          -h, --help         show this help

        License keys: set JUMPER_LICENSE_KEYS=key:pro,key2:basic, or edit DATA-DIR/license-keys.
        With no key configured, the first start writes a random Pro key there and logs the path.

        Watch folders: JUMPER_WATCH_SETTLE_SECONDS (default 5) sets how long a file must stay
        unchanged before it is analysed, JUMPER_WATCH_RESCAN_SECONDS (default 60) how often every
        folder is listed again, JUMPER_WATCH_BATCH_SIZE (default 50) the files per task,
        JUMPER_WATCH_PAUSE_SECONDS (default 60) how long a folder waits after an error such as a
        missing model, and JUMPER_WATCH_MAX_INOTIFY_WATCHES caps the inotify watches it uses.
        """

    /// Parses the arguments after `serve`; throws a message naming the bad option.
    init(arguments: [String]) throws {
        var remaining = arguments[...]
        while let option = remaining.popFirst() {
            switch option {
            case "--host":
                self.host = try value(of: option, from: &remaining)
            case "--port":
                let text = try value(of: option, from: &remaining)
                guard let port = Int(text), (0...65535).contains(port) else {
                    throw ConfigurationError("invalid --port '\(text)': give a number from 0 to 65535")
                }
                self.port = port
            case "--data-dir":
                self.dataDirectory = absolute(try value(of: option, from: &remaining))
            case "--models-dir":
                self.modelsDirectory = absolute(try value(of: option, from: &remaining))
            case "--log-level":
                let text = try value(of: option, from: &remaining)
                guard let level = LogLevel(name: text) else {
                    throw ConfigurationError(
                        "invalid --log-level '\(text)': use trace, debug, info, notice, warning, error or critical"
                    )
                }
                self.logLevel = level
            default:
                throw ConfigurationError("unknown option '\(option)'; run 'jumper serve --help' for the options")
            }
        }
    }

    var resolvedModelsDirectory: String {
        self.modelsDirectory ?? (self.dataDirectory as NSString).appendingPathComponent("models")
    }

    static func defaultDataDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("jumper")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/jumper")
    }
}

private func value(of option: String, from remaining: inout ArraySlice<String>) throws -> String {
    guard let value = remaining.popFirst(), !value.hasPrefix("--") else {
        throw ConfigurationError("option \(option) needs a value; run 'jumper serve --help' for the options")
    }
    return value
}

private func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}
