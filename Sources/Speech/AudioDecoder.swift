import Foundation
import JumperCore
import Media

/// Decoded audio: 16 kHz mono float samples of one stream of a media file.
public typealias DecodedAudio = ExtractedAudio

/// The speech engine's view of `AudioExtractor`: the same audio, with errors as `SpeechError`.
public struct AudioDecoder: Sendable {
    public static let sampleRate = AudioExtractor.sampleRate

    private let extractor: AudioExtractor

    public init(logger: Logger) {
        self.extractor = AudioExtractor(logger: logger)
    }

    /// Decodes the audio of the file at `path`, from the first audio stream that is not silent.
    ///
    /// - Parameter isCancelled: polled between packets; returning true stops decoding.
    /// - Throws: `SpeechError.noAudioStream`, `.audioUnreadable` (with the media layer's message)
    ///   or `.cancelled`.
    public func decode(path: String, isCancelled: @Sendable () -> Bool = { false }) throws -> DecodedAudio {
        do {
            return try self.extractor.extract(path: path, isCancelled: isCancelled)
        } catch is CancellationError {
            throw SpeechError.cancelled
        } catch let error as MediaError {
            throw Self.speechError(error, path: path)
        }
    }

    private static func speechError(_ error: MediaError, path: String) -> SpeechError {
        if case .noAudioStream = error {
            return .noAudioStream(path: path)
        }
        return .audioUnreadable(path: path, reason: error.description)
    }
}
