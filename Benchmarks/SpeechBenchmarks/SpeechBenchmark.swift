import Foundation
import JumperCore
import Speech

/// Real-time factor (decoding included) and word error rate of each speech model on real clips.
struct SpeechBenchmark {
    let options: Options
    let logger: Logger

    static let librivox = "/usr/share/pocketsphinx/test/data/librivox"
    static let french = "/usr/share/asterisk/sounds/fr_CA_f_June"
    static let frenchPrompts: [(String, String)] = [
        ("demo-congrats", """
            Felicitation, vous avez bien installé et exécuté le projet libre Asterisk. Vous avez aussi installé \
            quelques fichiers audios et les fichiers de configuration qui devraient vous aider à démarrer. Comme avec \
            tout central téléphonique, vous naviguerez dans cette démonstration en appuyant sur les chiffres. Si vous \
            utilisez un pilote de canaux Console, au lieu d'un vrai téléphone, vous pouvez utilisez les commandes \
            Dial, Answer et Hangup pour simuler les actions d'un téléphone standard.
            """),
        ("conf-getpin", "Veuillez composer le code d'accès de la conférence."),
        ("agent-loggedoff", "Vous n'êtes plus en ligne."),
        ("vm-intro", "Veuillez laissez votre message après le bip sonore. Lorsque vous aurez terminé, veuillez raccrocher ou appuyez sur dièse."),
    ]

    func run() throws {
        let english = try self.englishClips()
        let frenchPath = try self.frenchFile()
        print("speech benchmark: \(options.threads) threads, \(ProcessInfo.processInfo.activeProcessorCount) processors")
        for key in options.models {
            let loadStart = Date()
            let engine = try SpeechEngine.load(modelKey: key, modelsDirectory: options.modelsDirectory, logger: logger, threadCount: options.threads)
            let loadSeconds = Date().timeIntervalSince(loadStart)

            // English: every LibriVox clip decoded from its file and transcribed.
            var audioSeconds = 0.0
            var workSeconds = 0.0
            var hypothesis = ""
            var reference = ""
            for (path, text) in english {
                let (transcript, seconds) = try self.timedTranscription(engine: engine, path: path, language: "auto")
                audioSeconds += transcript.duration
                workSeconds += seconds
                hypothesis += " " + transcript.segments.map(\.text).joined(separator: " ")
                reference += " " + text
            }
            let englishRate = WordErrors.rate(hypothesis: hypothesis, reference: reference)
            var line = String(
                format: "%@: load %.2f s | English %.1f s audio in %.2f s, RTF %.3f, WER %.1f %%",
                key, loadSeconds, audioSeconds, workSeconds, workSeconds / audioSeconds, englishRate * 100
            )

            if engine.isMultilingual {
                let (transcript, seconds) = try self.timedTranscription(engine: engine, path: frenchPath, language: "auto")
                let frenchReference = Self.frenchPrompts.map(\.1).joined(separator: " ")
                let frenchText = transcript.segments.map(\.text).joined(separator: " ")
                let rate = WordErrors.rate(hypothesis: frenchText, reference: frenchReference)
                line += String(
                    format: " | French %.1f s audio in %.2f s, RTF %.3f, WER %.1f %%, language %@",
                    transcript.duration, seconds, seconds / transcript.duration, rate * 100, transcript.language
                )
            }
            print(line)
        }
    }

    private func timedTranscription(engine: SpeechEngine, path: String, language: String) throws -> (Transcript, Double) {
        let start = Date()
        let audio = try AudioDecoder(logger: logger).decode(path: path)
        let transcript = try engine.transcribe(samples: audio.samples, language: language, isCancelled: { false }, progress: { _ in })
        return (transcript, Date().timeIntervalSince(start))
    }

    private func englishClips() throws -> [(String, String)] {
        let text = try String(contentsOfFile: Self.librivox + "/transcription", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")") else { return nil }
            let id = String(line[line.index(after: open)..<close])
            let words = line[..<open].replacingOccurrences(of: "<s>", with: "").replacingOccurrences(of: "</s>", with: "")
            return ("\(Self.librivox)/\(id).wav", words)
        }
    }

    /// Joins the French prompts into one 16 kHz WAV file with the ffmpeg CLI.
    private func frenchFile() throws -> String {
        let output = options.workDirectory + "/french.wav"
        var arguments = ["-y", "-nostdin", "-loglevel", "error"]
        for (prompt, _) in Self.frenchPrompts {
            arguments += ["-f", "g722", "-i", "\(Self.french)/\(prompt).g722"]
        }
        let inputs = (0..<Self.frenchPrompts.count).map { "[\($0):a]" }.joined()
        arguments += ["-filter_complex", "\(inputs)concat=n=\(Self.frenchPrompts.count):v=0:a=1", "-ar", "16000", output]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "SpeechBenchmark", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "ffmpeg failed to join the French prompts"])
        }
        return output
    }
}

/// Word error rate after lower-casing and removing accents and punctuation.
enum WordErrors {
    static func words(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .replacingOccurrences(of: "'", with: " ")
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map(String.init)
    }

    static func rate(hypothesis: String, reference: String) -> Double {
        let hypothesisWords = self.words(hypothesis)
        let referenceWords = self.words(reference)
        var previous = Array(0...hypothesisWords.count)
        for (i, referenceWord) in referenceWords.enumerated() {
            var current = [i + 1] + [Int](repeating: 0, count: hypothesisWords.count)
            for (j, hypothesisWord) in hypothesisWords.enumerated() {
                current[j + 1] = min(previous[j] + (referenceWord == hypothesisWord ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return Double(previous[hypothesisWords.count]) / Double(max(referenceWords.count, 1))
    }
}
