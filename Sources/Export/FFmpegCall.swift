import CFFmpeg

/// Checks of FFmpeg return codes for the clip export, which throw `ExportError.clipFailed`.
enum FFmpegCall {
    /// `AVERROR(EAGAIN)`: a codec needs more input or has no output ready.
    static let tryAgain: Int32 = cffmpeg_averror(EAGAIN)
    /// `AVERROR_EOF`: no more data.
    static let endOfFile: Int32 = cffmpeg_averror_eof()
    /// `AV_NOPTS_VALUE`: a timestamp that is not set.
    static let noTimestamp: Int64 = cffmpeg_nopts_value()
    /// `AVERROR_INVALIDDATA`, which is `-MKTAG('I','N','D','A')`: damaged input.
    static let invalidData: Int32 = -Int32(bitPattern: 0x4144_4E49)

    /// Lowers FFmpeg's log level to fatal, once per process: every failure reaches the caller as
    /// an `ExportError`, so FFmpeg's own lines on stderr would only repeat it out of context.
    static let quietLogging: Void = {
        av_log_set_level(AV_LOG_FATAL)
    }()

    /// Returns `av_strerror`'s text for `code`.
    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 {
            return "unknown error \(code)"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Throws `ExportError.clipFailed` naming `function` when `code` is negative; returns it otherwise.
    @discardableResult
    static func check(_ code: Int32, _ function: String, path: String) throws(ExportError) -> Int32 {
        if code < 0 {
            throw .clipFailed(path: path, function: function, reason: Self.errorText(code))
        }
        return code
    }

    /// Converts seconds to a timestamp in `timeBase` units, rounding to the nearest unit.
    static func timestamp(seconds: Double, timeBase: AVRational) -> Int64 {
        Int64((seconds * Double(timeBase.den) / Double(timeBase.num)).rounded())
    }

    /// Converts a timestamp in `timeBase` units to seconds.
    static func seconds(_ timestamp: Int64, timeBase: AVRational) -> Double {
        Double(timestamp) * Double(timeBase.num) / Double(timeBase.den)
    }
}
