import AnalysisStore
import Foundation
import JumperCore
import Media
import Speech

/// Transcribes the speech of one file and stores the transcript beside its visual analysis.
public struct SpeechAnalyzer {
    /// The transcript's file name inside the media's cache folder.
    public static let fileName = "speech.json"

    let engine: SpeechEngine
    let modelKey: String
    let language: String
    let logger: Logger
    let isCancelled: @Sendable () -> Bool
    /// Receives the fraction of the file done, 0 to 1.
    let reportFraction: (Double) -> Void

    /// Decodes the audio, transcribes it and writes `speech.json` atomically.
    func analyse(info: MediaInfo, cache: CacheDirectory) throws -> Transcript {
        let audio: DecodedAudio
        do {
            audio = try AudioDecoder(logger: self.logger).decode(path: info.path, isCancelled: self.isCancelled)
        } catch SpeechError.cancelled {
            throw AnalysisCancelled()
        }
        self.reportFraction(0.05)
        let transcript: Transcript
        do {
            transcript = try self.engine.transcribe(
                samples: audio.samples,
                language: self.language,
                isCancelled: self.isCancelled,
                progress: { fraction in self.reportFraction(0.05 + 0.9 * fraction) }
            )
        } catch SpeechError.cancelled {
            throw AnalysisCancelled()
        }
        let record = AnalysisRecord(kind: "speech", modelKey: self.modelKey, file: Self.fileName, createdAt: Date())
        try cache.writeAnalysisFile(
            transcript.json().serialized(),
            record: record,
            hashString: info.hashString,
            sourcePath: info.path,
            duration: info.duration ?? audio.duration,
            mediaType: info.mediaType.rawValue
        )
        return transcript
    }

    /// Returns whether the file already has a transcript made with `modelKey`.
    public static func hasTranscript(cache: CacheDirectory, hashString: String, modelKey: String) -> Bool {
        guard let manifest = try? cache.manifest(hashString: hashString),
            let record = manifest.analyses["speech"]
        else { return false }
        return record.modelKey == modelKey
    }
}
