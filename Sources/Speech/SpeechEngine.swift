import CWhisper
import Foundation
import JumperCore

/// Transcribes 16 kHz mono audio with whisper.cpp, after Silero voice-activity detection.
///
/// Thread-safety: one engine holds one whisper.cpp context, which must not run two
/// transcriptions at once, so `transcribe` calls are serialised by an internal lock. Any thread
/// may call it; concurrent calls wait. Each call blocks its thread for about as long as the
/// speech takes to decode (seconds to minutes), so call it from a thread you own, not from the
/// cooperative pool.
public final class SpeechEngine: @unchecked Sendable {
    /// Sample rate of the input `transcribe` expects.
    public static let sampleRate = Int(WHISPER_SAMPLE_RATE)

    /// File names of the installed models, by model key.
    public static let modelFiles: [String: String] = [
        "whisper-base": "ggml-base.bin",
        "whisper-small": "ggml-small.bin",
        "whisper-tiny-en": "ggml-tiny.en.bin",
    ]
    static let vadModelFile = "ggml-silero-v6.2.0.bin"

    public let modelKey: String
    /// Number of CPU threads whisper.cpp uses per call.
    public let threadCount: Int
    let logger: Logger
    // `lock` guards every use of `context` and `vadContext` after init.
    private let lock = NSLock()
    let context: OpaquePointer
    let vadContext: OpaquePointer

    private init(modelKey: String, context: OpaquePointer, vadContext: OpaquePointer, threadCount: Int, logger: Logger) {
        self.modelKey = modelKey
        self.context = context
        self.vadContext = vadContext
        self.threadCount = threadCount
        self.logger = logger
    }

    deinit {
        whisper_free(self.context)
        whisper_vad_free(self.vadContext)
    }

    /// Loads a speech model and its voice-activity model from `<modelsDirectory>/<modelKey>/`.
    ///
    /// - Parameters:
    ///   - modelKey: `whisper-base`, `whisper-small` or `whisper-tiny-en`.
    ///   - modelsDirectory: folder holding one subfolder per model key, as the set-up script writes it.
    ///   - logger: receives load events and whisper.cpp's own log lines (at trace level).
    ///   - threadCount: CPU threads per transcription; defaults to half the active processors (at least 1, at most 8).
    /// - Throws: `SpeechError.unknownModel`, `.modelFileMissing` or `.modelLoadFailed`.
    public static func load(
        modelKey: String,
        modelsDirectory: String,
        logger: Logger,
        threadCount: Int? = nil
    ) throws -> SpeechEngine {
        guard let fileName = Self.modelFiles[modelKey] else {
            throw SpeechError.unknownModel(key: modelKey, known: Self.modelFiles.keys.sorted())
        }
        let folder = URL(fileURLWithPath: modelsDirectory).appendingPathComponent(modelKey)
        let modelPath = folder.appendingPathComponent(fileName).path
        let vadPath = folder.appendingPathComponent(Self.vadModelFile).path
        for path in [modelPath, vadPath] where !FileManager.default.fileExists(atPath: path) {
            throw SpeechError.modelFileMissing(path: path)
        }

        WhisperLog.install(logger: logger)
        // ggml's workers spin at barriers, so on a busy machine more threads can be slower: on 2
        // shared cores with other work running, 1 thread took 3.5 s on a 7 s clip and 2 threads 8 s.
        let defaultThreads = min(max(ProcessInfo.processInfo.activeProcessorCount / 2, 1), 8)
        let threads = max(1, threadCount ?? defaultThreads)
        let started = Date()

        var contextParams = whisper_context_default_params()
        contextParams.use_gpu = false
        contextParams.flash_attn = true
        guard let context = whisper_init_from_file_with_params(modelPath, contextParams) else {
            throw SpeechError.modelLoadFailed(path: modelPath)
        }
        var vadParams = whisper_vad_default_context_params()
        // One thread: the VAD runs a tiny graph per 32 ms chunk, where waking a pool costs more than it gains.
        vadParams.n_threads = 1
        vadParams.use_gpu = false
        guard let vadContext = whisper_vad_init_from_file_with_params(vadPath, vadParams) else {
            whisper_free(context)
            throw SpeechError.modelLoadFailed(path: vadPath)
        }

        logger.info(
            "speech model loaded",
            [
                "model.key": modelKey,
                "model.path": modelPath,
                "model.threads": String(threads),
                "model.load_seconds": String(format: "%.2f", Date().timeIntervalSince(started)),
            ]
        )
        return SpeechEngine(modelKey: modelKey, context: context, vadContext: vadContext, threadCount: threads, logger: logger)
    }

    /// Returns whether `code` is "auto" or a language code Whisper supports (`en`, `fr`, ...),
    /// compared case-insensitively, so requests can be checked before a task starts.
    public static func isSupportedLanguage(_ code: String) -> Bool {
        let lowered = code.lowercased()
        return lowered == "auto" || whisper_lang_id(lowered) >= 0
    }

    /// Whether the model supports languages other than English.
    public var isMultilingual: Bool {
        whisper_is_multilingual(self.context) != 0
    }

    /// Transcribes audio into segments and words timed in seconds from the start of `samples`.
    ///
    /// Voice-activity detection runs first: only speech reaches Whisper, so silence and music give
    /// no segments, and times stay right after long silences. With `language` "auto" the language
    /// is detected on the first 30 seconds of detected speech (not on an intro without speech).
    ///
    /// - Parameters:
    ///   - samples: 16 kHz mono float PCM in [-1, 1].
    ///   - language: "auto" or a Whisper language code (`en`, `fr`, ...). An English-only model always uses `en`.
    ///   - isCancelled: polled between windows and inside whisper.cpp's computation; returning true stops the call.
    ///   - progress: receives the finished fraction, from 0 to 1, on the calling thread.
    /// - Throws: `SpeechError.cancelled`, `.unsupportedLanguage` or `.transcriptionFailed`.
    public func transcribe(
        samples: [Float],
        language: String,
        isCancelled: @Sendable () -> Bool,
        progress: (Double) -> Void
    ) throws -> Transcript {
        self.lock.lock()
        defer { self.lock.unlock() }

        let duration = Double(samples.count) / Double(Self.sampleRate)
        let requested = language.lowercased()
        guard Self.isSupportedLanguage(requested) else {
            throw SpeechError.unsupportedLanguage(code: language)
        }
        progress(0)

        // voice-activity detection: speech spans in samples
        let spans = try self.detectSpeech(samples)
        if isCancelled() { throw SpeechError.cancelled }
        let windows = SpeechWindow.plan(
            spans: spans,
            maxLength: Self.sampleRate * 29,
            joinGap: Self.sampleRate
        )
        let speechSamples = windows.reduce(0) { $0 + $1.length }
        progress(Self.vadShare)
        self.logger.debug(
            "speech detected",
            ["speech.spans": String(spans.count), "speech.windows": String(windows.count),
             "speech.seconds": String(format: "%.1f", Double(speechSamples) / Double(Self.sampleRate))]
        )
        guard !windows.isEmpty else {
            progress(1)
            return Transcript(language: requested == "auto" ? "und" : requested, modelKey: self.modelKey, duration: duration, segments: [])
        }

        // language: from the first window of speech unless given
        let resolvedLanguage: String
        if !self.isMultilingual {
            resolvedLanguage = "en"
        } else if requested == "auto" {
            resolvedLanguage = try self.detectLanguage(windows[0].samples(from: samples))
        } else {
            resolvedLanguage = requested
        }

        // transcription, one whisper.cpp call per window
        var segments: [TranscriptSegment] = []
        var doneSamples = 0
        for window in windows {
            if isCancelled() { throw SpeechError.cancelled }
            let windowSegments = try self.transcribeWindow(
                window,
                audio: samples,
                language: resolvedLanguage,
                isCancelled: isCancelled
            )
            for segment in windowSegments {
                self.append(segment, to: &segments, duration: duration)
            }
            doneSamples += window.length
            progress(Self.vadShare + (1 - Self.vadShare) * Double(doneSamples) / Double(speechSamples))
        }
        return Transcript(language: resolvedLanguage, modelKey: self.modelKey, duration: duration, segments: segments)
    }

    /// Share of the progress bar given to voice-activity detection.
    private static let vadShare = 0.05

    /// Adds a segment unless it is a repetition loop, numbering it and keeping times ordered.
    private func append(_ candidate: TranscriptSegment, to segments: inout [TranscriptSegment], duration: Double) {
        let words = candidate.words.map(\.word)
        if RepetitionFilter.isLoop(words: words) || RepetitionFilter.isDuplicate(candidate.text, of: segments.last?.text) {
            self.logger.debug("repeated text dropped", ["segment.text": candidate.text])
            return
        }
        var segment = candidate
        let floor = segments.last?.start ?? 0
        segment.start = min(max(segment.start, floor), duration)
        segment.end = min(max(segment.end, segment.start), duration)
        var previousStart = segment.start
        for index in segment.words.indices {
            var word = segment.words[index]
            word.start = min(max(word.start, previousStart), segment.end)
            word.end = min(max(word.end, word.start), segment.end)
            previousStart = word.start
            segment.words[index] = word
        }
        segment.id = segments.count
        segments.append(segment)
    }
}
