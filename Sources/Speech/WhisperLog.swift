import CWhisper
import Foundation
import JumperCore

/// Routes whisper.cpp's and ggml's process-wide log output to a `Logger` at trace level.
///
/// whisper.cpp has one global log callback, so the logger installed last receives the lines of
/// every engine in the process.
enum WhisperLog {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed: WhisperLogBox?

    /// Installs `logger` as the destination of whisper.cpp log lines.
    static func install(logger: Logger) {
        self.lock.lock()
        defer { self.lock.unlock() }
        let box = WhisperLogBox(logger: logger.labelled("whisper.cpp"))
        // Retained for the life of the process: a callback running on another thread may still read
        // the previous box after it is replaced.
        let pointer = Unmanaged.passRetained(box).toOpaque()
        whisper_log_set(whisperLogCallback, pointer)
        self.installed = box
    }
}

/// The logger a whisper.cpp log callback writes to; immutable, so any thread may read it.
final class WhisperLogBox: Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}

/// Receives one log fragment from whisper.cpp on whatever thread logs; touches no actor state.
private func whisperLogCallback(level: ggml_log_level, text: UnsafePointer<CChar>?, userData: UnsafeMutableRawPointer?) {
    guard let text, let userData else { return }
    let box = Unmanaged<WhisperLogBox>.fromOpaque(userData).takeUnretainedValue()
    let line = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !line.isEmpty else { return }
    if level == GGML_LOG_LEVEL_ERROR {
        box.logger.warning("whisper.cpp error", ["whisper.message": line])
    } else {
        box.logger.trace("whisper.cpp log", ["whisper.message": line])
    }
}
