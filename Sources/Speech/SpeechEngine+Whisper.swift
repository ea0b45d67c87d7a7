import CWhisper
import Foundation
import JumperCore

/// The calls into whisper.cpp. Callers hold the engine's lock.
extension SpeechEngine {
    /// Runs Silero voice-activity detection and returns the speech spans in samples.
    func detectSpeech(_ samples: [Float]) throws -> [SpeechSpan] {
        guard !samples.isEmpty else { return [] }
        var params = whisper_vad_default_params()
        params.threshold = 0.5
        params.min_speech_duration_ms = 250
        params.min_silence_duration_ms = 300
        // Splits continuous speech so that every span fits in one 30-second Whisper pass.
        params.max_speech_duration_s = 28
        params.speech_pad_ms = 200
        let segments = samples.withUnsafeBufferPointer { buffer in
            whisper_vad_segments_from_samples(self.vadContext, params, buffer.baseAddress, Int32(buffer.count))
        }
        guard let segments else {
            throw SpeechError.transcriptionFailed(function: "whisper_vad_segments_from_samples", code: -1)
        }
        defer { whisper_vad_free_segments(segments) }

        var spans: [SpeechSpan] = []
        // whisper_vad_segments_get_segment_t0/t1 are in centiseconds.
        let samplesPerCentisecond = Double(Self.sampleRate) / 100
        for index in 0..<whisper_vad_segments_n_segments(segments) {
            let start = Int((Double(whisper_vad_segments_get_segment_t0(segments, index)) * samplesPerCentisecond).rounded())
            let end = Int((Double(whisper_vad_segments_get_segment_t1(segments, index)) * samplesPerCentisecond).rounded())
            let span = SpeechSpan(start: max(0, min(start, samples.count)), end: max(0, min(end, samples.count)))
            if span.length > 0 {
                spans.append(span)
            }
        }
        return spans
    }

    /// Detects the spoken language of up to 30 seconds of speech; returns its Whisper code.
    func detectLanguage(_ speech: [Float]) throws -> String {
        let padded = Self.padded(speech)
        let melStatus = padded.withUnsafeBufferPointer { buffer in
            whisper_pcm_to_mel(self.context, buffer.baseAddress, Int32(buffer.count), Int32(self.threadCount))
        }
        guard melStatus == 0 else {
            throw SpeechError.transcriptionFailed(function: "whisper_pcm_to_mel", code: melStatus)
        }
        var probabilities = [Float](repeating: 0, count: Int(whisper_lang_max_id()) + 1)
        let languageId = probabilities.withUnsafeMutableBufferPointer { buffer in
            whisper_lang_auto_detect(self.context, 0, Int32(self.threadCount), buffer.baseAddress)
        }
        guard languageId >= 0, let code = whisper_lang_str(languageId) else {
            throw SpeechError.transcriptionFailed(function: "whisper_lang_auto_detect", code: languageId)
        }
        let language = String(cString: code)
        self.logger.debug(
            "language detected",
            ["speech.language": language, "speech.language_probability": String(format: "%.3f", probabilities[Int(languageId)])]
        )
        return language
    }

    /// Transcribes one window and returns its segments with file times (ids not yet assigned).
    func transcribeWindow(
        _ window: SpeechWindow,
        audio: [Float],
        language: String,
        isCancelled: @Sendable () -> Bool
    ) throws -> [TranscriptSegment] {
        let samples = Self.padded(window.samples(from: audio))

        var params = whisper_full_default_params(WHISPER_SAMPLING_GREEDY)
        params.n_threads = Int32(self.threadCount)
        params.no_context = true
        params.token_timestamps = true
        params.print_special = false
        params.print_progress = false
        params.print_realtime = false
        params.print_timestamps = false
        params.suppress_blank = true
        // Suppresses non-speech tokens such as "[Music]" and "(applause)".
        params.suppress_nst = true
        params.detect_language = false

        let status: Int32 = withoutActuallyEscaping(isCancelled) { escapableIsCancelled in
            let box = CancellationBox(isCancelled: escapableIsCancelled)
            let boxPointer = Unmanaged.passUnretained(box).toOpaque()
            params.abort_callback = { userData in
                guard let userData else { return false }
                return Unmanaged<CancellationBox>.fromOpaque(userData).takeUnretainedValue().isCancelled()
            }
            params.abort_callback_user_data = boxPointer
            return withExtendedLifetime(box) {
                language.withCString { languagePointer in
                    params.language = languagePointer
                    return samples.withUnsafeBufferPointer { buffer in
                        whisper_full(self.context, params, buffer.baseAddress, Int32(buffer.count))
                    }
                }
            }
        }
        if isCancelled() { throw SpeechError.cancelled }
        guard status == 0 else {
            throw SpeechError.transcriptionFailed(function: "whisper_full", code: status)
        }
        return self.collectSegments(window: window)
    }

    /// Reads the last whisper_full result as segments and words mapped to file times.
    private func collectSegments(window: SpeechWindow) -> [TranscriptSegment] {
        let endOfText = whisper_token_eot(self.context)
        var segments: [TranscriptSegment] = []
        for segmentIndex in 0..<whisper_full_n_segments(self.context) {
            // Segment and token times from whisper.cpp are in centiseconds from the window start.
            let segmentStart = self.fileTime(window, whisper_full_get_segment_t0(self.context, segmentIndex), isEnd: false)
            let segmentEnd = self.fileTime(window, whisper_full_get_segment_t1(self.context, segmentIndex), isEnd: true)

            var words: [TranscriptWord] = []
            var wordBytes: [UInt8] = []
            var wordStart = 0.0
            var wordEnd = 0.0
            var probabilities: [Double] = []
            func finishWord() {
                let text = String(decoding: wordBytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if !text.isEmpty {
                    let probability = probabilities.reduce(0, +) / Double(max(probabilities.count, 1))
                    words.append(TranscriptWord(word: text, start: wordStart, end: wordEnd, probability: probability))
                }
                wordBytes = []
                probabilities = []
            }
            for tokenIndex in 0..<whisper_full_n_tokens(self.context, segmentIndex) {
                let data = whisper_full_get_token_data(self.context, segmentIndex, tokenIndex)
                guard data.id < endOfText, let textPointer = whisper_full_get_token_text(self.context, segmentIndex, tokenIndex) else {
                    continue
                }
                let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(textPointer).assumingMemoryBound(to: UInt8.self), count: strlen(textPointer)))
                // A token that starts with a space begins a new word; others continue the current one.
                if bytes.first == UInt8(ascii: " ") || wordBytes.isEmpty {
                    finishWord()
                    wordStart = self.fileTime(window, data.t0, isEnd: false)
                }
                wordBytes.append(contentsOf: bytes)
                wordEnd = self.fileTime(window, data.t1, isEnd: true)
                probabilities.append(Double(data.p))
            }
            finishWord()

            let text = String(cString: whisper_full_get_segment_text(self.context, segmentIndex))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, !words.isEmpty else { continue }
            segments.append(TranscriptSegment(id: 0, start: segmentStart, end: segmentEnd, text: text, words: words))
        }
        return segments
    }

    private func fileTime(_ window: SpeechWindow, _ centiseconds: Int64, isEnd: Bool) -> Double {
        window.fileTime(atWindowTime: Double(centiseconds) / 100, isEnd: isEnd, sampleRate: Self.sampleRate)
    }

    /// Pads audio shorter than whisper.cpp's 1-second minimum with trailing silence.
    static func padded(_ samples: [Float]) -> [Float] {
        let minimum = Self.sampleRate * 3 / 2
        guard samples.count < minimum else { return samples }
        return samples + [Float](repeating: 0, count: minimum - samples.count)
    }
}

/// Carries the caller's cancellation check into whisper.cpp's abort callback.
private final class CancellationBox {
    let isCancelled: () -> Bool

    init(isCancelled: @escaping () -> Bool) {
        self.isCancelled = isCancelled
    }
}
