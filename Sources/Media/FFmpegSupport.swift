import CFFmpeg

/// Constants and helpers for calling FFmpeg that Swift cannot import directly.
enum FFmpegSupport {
    /// `AVERROR(EAGAIN)`: the decoder needs more input or has no frame ready.
    static let tryAgain: Int32 = cffmpeg_averror(EAGAIN)
    /// `AVERROR_EOF`: the demuxer or decoder has no more data.
    static let endOfFile: Int32 = cffmpeg_averror_eof()
    /// `AV_NOPTS_VALUE`: a timestamp that is not set.
    static let noTimestamp: Int64 = cffmpeg_nopts_value()
    /// `AVERROR_INVALIDDATA`, which is `-MKTAG('I','N','D','A')`.
    static let invalidData: Int32 = {
        let tag =
            UInt32(UInt8(ascii: "I")) | UInt32(UInt8(ascii: "N")) << 8
            | UInt32(UInt8(ascii: "D")) << 16 | UInt32(UInt8(ascii: "A")) << 24
        return -Int32(bitPattern: tag)
    }()

    /// Lowers FFmpeg's own log level to fatal, once per process: every failure reaches callers
    /// as a `MediaError`, so FFmpeg's lines on stderr would only repeat them out of context.
    static let quietLogging: Void = {
        av_log_set_level(AV_LOG_FATAL)
    }()

    /// Returns the text `av_strerror` gives for an FFmpeg error code, starting lower-case.
    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 {
            return "unknown error \(code)"
        }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// Throws `MediaError.decodeFailed` naming the function and the code's text when `code`
    /// is negative; returns the code otherwise.
    @discardableResult
    static func check(_ code: Int32, _ function: String, path: String) throws(MediaError) -> Int32 {
        if code < 0 {
            throw MediaError.decodeFailed(path: path, function: function, reason: errorText(code))
        }
        return code
    }

    /// Converts a rational to a double, or nil when it is zero or undefined.
    static func double(_ rational: AVRational) -> Double? {
        guard rational.num != 0, rational.den != 0 else { return nil }
        return Double(rational.num) / Double(rational.den)
    }

    /// Reads a metadata tag, or nil when it is absent or empty.
    static func tag(_ key: String, in dictionary: OpaquePointer?) -> String? {
        guard let entry = av_dict_get(dictionary, key, nil, 0), let value = entry.pointee.value else {
            return nil
        }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
