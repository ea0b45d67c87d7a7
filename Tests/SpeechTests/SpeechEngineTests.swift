import Foundation
import JumperCore
import Speech
import Testing

/// End-to-end transcription of real speech (LibriVox and Asterisk French prompts) with whisper-base.
@Suite(.serialized)
struct SpeechEngineTests {
    /// Word error rate bound for whisper-base on the LibriVox clips (measured 0-5 % per clip).
    static let englishWordErrorBound = 0.10

    @Test func librivoxClipsMatchTranscripts() throws {
        let references = try SpeechFixtures.librivoxTranscripts()
        #expect(references.count == 5)
        var hypothesis = ""
        var reference = ""
        for id in references.keys.sorted() {
            let transcript = try SpeechFixtures.transcribe(SpeechFixtures.librivoxPath(id))
            #expect(transcript.language == "en", "clip \(id)")
            #expect(transcript.modelKey == "whisper-base")
            transcript.expectOrderedTimes()
            let clipRate = WordErrorRate.rate(hypothesis: transcript.text, reference: references[id]!)
            #expect(clipRate <= 0.25, "clip \(id): '\(transcript.text)'")
            hypothesis += " " + transcript.text
            reference += " " + references[id]!
        }
        let rate = WordErrorRate.rate(hypothesis: hypothesis, reference: reference)
        #expect(rate <= Self.englishWordErrorBound, "overall word error rate \(rate): '\(hypothesis)'")
    }

    @Test func leadingSilenceKeepsFirstWordTime() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0870")
        let output = folder.appendingPathComponent("late-speech.m4a").path
        // 20 s of digital silence, then the clip, encoded as AAC in MP4 like a typical recording.
        try SpeechFixtures.ffmpeg([
            "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=20", "-i", clip,
            "-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1", "-c:a", "aac", output,
        ])
        let expectedStart = 20 + SpeechFixtures.speechOnset(try SpeechFixtures.decode(clip))

        let transcript = try SpeechFixtures.transcribe(output)
        transcript.expectOrderedTimes()
        let firstWord = try #require(transcript.segments.first?.words.first)
        #expect(abs(firstWord.start - expectedStart) < 0.5, "first word '\(firstWord.word)' at \(firstWord.start), speech at \(expectedStart)")
        #expect(transcript.segments[0].start >= 19.5)
        let reference = try SpeechFixtures.librivoxTranscripts()["sense_and_sensibility_01_austen_64kb-0870"]!
        #expect(WordErrorRate.rate(hypothesis: transcript.text, reference: reference) <= 0.15, "'\(transcript.text)'")
    }

    @Test func speechAfterLongSilenceKeepsTimes() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0880")
        let second = SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0930")
        let output = folder.appendingPathComponent("two-utterances.wav").path
        // clip, 90 s of silence, clip: the second utterance starts after more than three Whisper windows.
        try SpeechFixtures.ffmpeg([
            "-i", first, "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=90", "-i", second,
            "-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1", output,
        ])
        let firstLength = Double(try SpeechFixtures.decode(first).count) / 16_000
        let expectedSecondStart = firstLength + 90 + SpeechFixtures.speechOnset(try SpeechFixtures.decode(second))

        let transcript = try SpeechFixtures.transcribe(output)
        transcript.expectOrderedTimes()
        let words = transcript.segments.flatMap(\.words)
        let secondFirstWord = try #require(words.first { $0.start > firstLength + 1 })
        #expect(abs(secondFirstWord.start - expectedSecondStart) < 0.5, "word '\(secondFirstWord.word)' at \(secondFirstWord.start), speech at \(expectedSecondStart)")
        #expect(!words.contains { $0.start > firstLength + 1 && $0.start < firstLength + 89 }, "words invented in the silence")
        #expect(WordErrorRate.normalized(secondFirstWord.word) == ["he"])
    }

    @Test func oneHourFileKeepsLateWordTimes() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ids = ["sense_and_sensibility_01_austen_64kb-0870", "sense_and_sensibility_01_austen_64kb-0880", "sense_and_sensibility_01_austen_64kb-0930"]
        let offsets: [Double] = [600, 1800, 3300]
        let output = folder.appendingPathComponent("one-hour.m4a").path
        // An hour of quiet pink noise with three utterances placed at 10:00, 30:00 and 55:00.
        var arguments = ["-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.003:sample_rate=16000:duration=3600"]
        var filter = ""
        for (index, id) in ids.enumerated() {
            arguments += ["-i", SpeechFixtures.librivoxPath(id)]
            let delay = Int(offsets[index] * 1000)
            filter += "[\(index + 1):a]aresample=16000,adelay=\(delay):all=1[s\(index)];"
        }
        filter += "[0:a][s0][s1][s2]amix=inputs=4:duration=first:normalize=0"
        try SpeechFixtures.ffmpeg(arguments + ["-filter_complex", filter, "-c:a", "aac", "-b:a", "32k", output])

        let transcript = try SpeechFixtures.transcribe(output)
        transcript.expectOrderedTimes()
        let words = transcript.segments.flatMap(\.words)
        for (index, id) in ids.enumerated() {
            let expected = offsets[index] + SpeechFixtures.speechOnset(try SpeechFixtures.decode(SpeechFixtures.librivoxPath(id)))
            let first = try #require(words.first { $0.start > offsets[index] - 5 }, "no word after \(offsets[index]) s")
            #expect(abs(first.start - expected) < 0.5, "clip \(id): first word '\(first.word)' at \(first.start), speech at \(expected)")
        }
        #expect(!words.contains { $0.start < offsets[0] - 5 }, "words invented in the noise before 10:00")
    }

    @Test func toneIntroThenSpeech() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0890")
        let output = folder.appendingPathComponent("tone-intro.wav").path
        try SpeechFixtures.ffmpeg([
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=10", "-i", clip,
            "-filter_complex", "[0:a]volume=0.5[tone];[tone][1:a]concat=n=2:v=0:a=1", output,
        ])
        let transcript = try SpeechFixtures.transcribe(output)
        transcript.expectOrderedTimes()
        let firstWord = try #require(transcript.segments.first?.words.first)
        #expect(firstWord.start >= 9.5, "first word '\(firstWord.word)' at \(firstWord.start), inside the tone")
        let reference = try SpeechFixtures.librivoxTranscripts()["sense_and_sensibility_01_austen_64kb-0890"]!
        #expect(WordErrorRate.rate(hypothesis: transcript.text, reference: reference) <= 0.15, "'\(transcript.text)'")
    }

    @Test(arguments: [
        ("silence", "anullsrc=r=16000:cl=mono:d=30"),
        ("tone", "sine=frequency=440:sample_rate=16000:duration=30"),
        ("chord", "aevalsrc=0.2*sin(2*PI*261.6*t)+0.2*sin(2*PI*329.6*t)+0.2*sin(2*PI*392*t):s=16000:d=30"),
        ("noise", "anoisesrc=color=pink:amplitude=0.05:sample_rate=16000:duration=30"),
    ])
    func nonSpeechGivesNoSegments(name: String, source: String) throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("\(name).wav").path
        try SpeechFixtures.ffmpeg(["-f", "lavfi", "-i", source, output])
        let transcript = try SpeechFixtures.transcribe(output)
        #expect(transcript.segments.isEmpty, "\(name) gave '\(transcript.text)'")
        #expect(abs(transcript.duration - 30) < 0.1)
    }

    @Test func frenchSpeechDetectedAfterToneIntro() throws {
        let folder = try SpeechFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = ["demo-congrats", "conf-getpin", "agent-loggedoff"]
        var arguments = ["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=16000:duration=6"]
        for prompt in prompts {
            arguments += ["-f", "g722", "-i", "\(SpeechFixtures.frenchDirectory)/\(prompt).g722"]
        }
        let inputs = (0...prompts.count).map { "[\($0):a]" }.joined()
        let output = folder.appendingPathComponent("french.wav").path
        arguments += ["-filter_complex", "\(inputs)concat=n=\(prompts.count + 1):v=0:a=1", "-ar", "16000", output]
        try SpeechFixtures.ffmpeg(arguments)

        let transcript = try SpeechFixtures.transcribe(output, language: "auto")
        #expect(transcript.language == "fr")
        transcript.expectOrderedTimes()
        let reference = """
            Felicitation, vous avez bien installé et exécuté le projet libre Asterisk. Vous avez aussi installé \
            quelques fichiers audios et les fichiers de configuration qui devraient vous aider à démarrer. Comme avec \
            tout central téléphonique, vous naviguerez dans cette démonstration en appuyant sur les chiffres. Si vous \
            utilisez un pilote de canaux Console, au lieu d'un vrai téléphone, vous pouvez utilisez les commandes \
            Dial, Answer et Hangup pour simuler les actions d'un téléphone standard. \
            Veuillez composer le code d'accès de la conférence. Vous n'êtes plus en ligne.
            """
        let rate = WordErrorRate.rate(hypothesis: transcript.text, reference: reference)
        // French telephone prompts (8 kHz G.722 source) with whisper-base: bound set above the measured rate.
        #expect(rate <= 0.30, "word error rate \(rate): '\(transcript.text)'")
        #expect(transcript.segments.first.map { $0.start >= 5.5 } ?? false)
    }

    @Test func explicitLanguageIsUsed() throws {
        let transcript = try SpeechFixtures.transcribe(
            SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0880"),
            language: "en"
        )
        #expect(transcript.language == "en")
        #expect(WordErrorRate.rate(hypothesis: transcript.text, reference: "he was not an ill disposed young man") <= 0.15)
    }

    @Test func unsupportedLanguageIsRejected() throws {
        let engine = try SpeechFixtures.engine()
        #expect(throws: SpeechError.unsupportedLanguage(code: "xx")) {
            try engine.transcribe(samples: [Float](repeating: 0, count: 16_000), language: "xx", isCancelled: { false }, progress: { _ in })
        }
    }

    @Test func cancellationStopsTranscription() throws {
        let samples = try SpeechFixtures.decode(SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0920"))
        let engine = try SpeechFixtures.engine()
        #expect(throws: SpeechError.cancelled) {
            try engine.transcribe(samples: samples, language: "en", isCancelled: { true }, progress: { _ in })
        }
    }

    @Test func progressRisesToOne() throws {
        // About 37 s of speech with 40 s gaps: more than one 29-second window, so several progress steps.
        let ids = ["0870", "0890", "0920", "0930", "0880", "0870", "0890"]
        let gap = [Float](repeating: 0, count: 16_000 * 40)
        var samples: [Float] = []
        for id in ids {
            samples += try SpeechFixtures.decode(SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-\(id)")) + gap
        }
        var reports: [Double] = []
        let transcript = try SpeechFixtures.engine().transcribe(samples: samples, language: "en", isCancelled: { false }) {
            reports.append($0)
        }
        #expect(reports.first == 0)
        #expect(reports.last == 1)
        #expect(reports.count >= 4, "progress reports \(reports)")
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 <= $1 }, "progress reports \(reports)")
        #expect(transcript.segments.count >= ids.count, "'\(transcript.text)'")
        transcript.expectOrderedTimes()
        // Every utterance is found near its true place: 40 s of silence plus the clips before it.
        var offset = 0.0
        for id in ids {
            let clip = try SpeechFixtures.decode(SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-\(id)"))
            let onset = offset + SpeechFixtures.speechOnset(clip)
            let nearest = transcript.segments.flatMap(\.words).map { abs($0.start - onset) }.min() ?? .infinity
            #expect(nearest < 0.5, "no word within 0.5 s of the clip \(id) onset at \(onset)")
            offset += Double(clip.count) / 16_000 + 40
        }
    }

    @Test func unknownModelIsRejected() {
        #expect(throws: SpeechError.self) {
            try SpeechEngine.load(modelKey: "whisper-huge", modelsDirectory: SpeechFixtures.modelsDirectory, logger: SpeechFixtures.logger)
        }
    }

    @Test func tinyEnglishModelTranscribes() throws {
        let transcript = try SpeechFixtures.transcribe(
            SpeechFixtures.librivoxPath("sense_and_sensibility_01_austen_64kb-0880"),
            model: "whisper-tiny-en",
            language: "auto"
        )
        #expect(transcript.language == "en")
        #expect(transcript.modelKey == "whisper-tiny-en")
        // tiny.en writes "old-sposed" for "ill disposed" here: two errors in eight words.
        #expect(WordErrorRate.rate(hypothesis: transcript.text, reference: "he was not an ill disposed young man") <= 0.3, "'\(transcript.text)'")
    }
}
