import Foundation
import JumperCore
import Media
import Testing

/// Extracts 16 kHz mono audio from files made at test time with the ffmpeg CLI from a real
/// speech recording, and compares each with the recording's loudness envelope.
@Suite struct AudioExtractorTests {
    /// 2.99 s of read English speech, 16 kHz mono, from Debian's pocketsphinx-testdata.
    private static let speechPath =
        "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"
    private static let speechDuration = 2.99
    private static let logger = Logger(label: "audio-tests", minimumLevel: .error)

    private static func encode(_ name: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.fileExists(atPath: self.speechPath) else {
            throw TestMediaError(message: "'\(self.speechPath)' is missing: install pocketsphinx-testdata")
        }
        let path = try TestMedia.makeTemporaryFolder() + "/" + name
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-nostdin"] + arguments + [path]
        )
        guard result.status == 0 else {
            throw TestMediaError(message: "ffmpeg could not make '\(name)': \(result.errorOutput)")
        }
        return path
    }

    /// Returns the root mean square of each 10 ms block.
    private static func envelope(_ samples: [Float]) -> [Float] {
        stride(from: 0, to: samples.count - 159, by: 160).map { start in
            let block = samples[start..<(start + 160)]
            return (block.reduce(0) { $0 + $1 * $1 } / 160).squareRoot()
        }
    }

    /// Returns the best Pearson correlation of two envelopes over shifts of up to 100 ms, which
    /// absorbs encoder delay.
    private static func bestCorrelation(_ first: [Float], _ second: [Float]) -> Float {
        var best: Float = -1
        for shift in -10...10 {
            let pairs = first.indices.compactMap { index -> (Float, Float)? in
                let other = index + shift
                return other >= 0 && other < second.count ? (first[index], second[other]) : nil
            }
            let count = Float(pairs.count)
            let meanFirst = pairs.reduce(0) { $0 + $1.0 } / count
            let meanSecond = pairs.reduce(0) { $0 + $1.1 } / count
            var covariance: Float = 0
            var varianceFirst: Float = 0
            var varianceSecond: Float = 0
            for (a, b) in pairs {
                covariance += (a - meanFirst) * (b - meanSecond)
                varianceFirst += (a - meanFirst) * (a - meanFirst)
                varianceSecond += (b - meanSecond) * (b - meanSecond)
            }
            best = max(best, covariance / max(1e-12, (varianceFirst * varianceSecond).squareRoot()))
        }
        return best
    }

    private static let referenceEnvelope: Result<[Float], any Error> = Result {
        let audio = try AudioExtractor(logger: logger).extract(path: speechPath)
        return envelope(audio.samples)
    }

    @Test(arguments: [
        ("speech-moov-at-end.m4a", ["-c:a", "aac", "-b:a", "96k"]),
        ("speech.mp3", ["-c:a", "libmp3lame", "-b:a", "96k"]),
        ("speech-44k.wav", ["-c:a", "pcm_s16le", "-ar", "44100"]),
        ("speech.flac", ["-c:a", "flac"]),
        ("speech.opus", ["-c:a", "libopus", "-b:a", "48k"]),
        ("speech-aac.ts", ["-c:a", "aac", "-b:a", "96k", "-f", "mpegts"]),
    ])
    func formatDecodesToSpeech(name: String, codecArguments: [String]) throws {
        let path = try Self.encode(name, ["-i", Self.speechPath] + codecArguments)
        let audio = try AudioExtractor(logger: Self.logger).extract(path: path)
        #expect(audio.audioStreamCount == 1)
        #expect(abs(audio.duration - Self.speechDuration) < 0.1, "duration \(audio.duration) s")
        let correlation = Self.bestCorrelation(try Self.referenceEnvelope.get(), Self.envelope(audio.samples))
        #expect(correlation > 0.95, "envelope correlation \(correlation)")
    }

    @Test func m4aWithoutFaststartHasMoovAtEnd() throws {
        // ffmpeg writes the moov atom after the media data unless asked for +faststart.
        let path = try Self.encode("check.m4a", ["-i", Self.speechPath, "-c:a", "aac"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let text = String(decoding: bytes.map { $0 < 128 ? $0 : 0 }, as: UTF8.self)
        let moov = try #require(text.range(of: "moov"))
        let mdat = try #require(text.range(of: "mdat"))
        #expect(moov.lowerBound > mdat.lowerBound)
    }

    @Test func silentFirstStreamIsSkipped() throws {
        let path = try Self.encode(
            "silent-then-speech.mkv",
            [
                "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=3", "-i", Self.speechPath,
                "-map", "0:a", "-map", "1:a", "-c:a", "flac", "-shortest",
            ]
        )
        let audio = try AudioExtractor(logger: Self.logger).extract(path: path)
        #expect(audio.audioStreamCount == 2)
        #expect(audio.streamIndex == 1)
        let correlation = Self.bestCorrelation(try Self.referenceEnvelope.get(), Self.envelope(audio.samples))
        #expect(correlation > 0.95, "envelope correlation \(correlation)")
    }

    @Test func wavWithSilentLeftChannelKeepsSpeech() throws {
        let path = try Self.encode(
            "silent-left.wav",
            [
                "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=3", "-i", Self.speechPath,
                "-filter_complex", "[0:a][1:a]amerge=inputs=2[a]", "-map", "[a]", "-c:a", "pcm_s16le", "-t", "2.99",
            ]
        )
        let audio = try AudioExtractor(logger: Self.logger).extract(path: path)
        #expect(audio.audioStreamCount == 1)
        let peak = audio.samples.reduce(Float(0)) { max($0, abs($1)) }
        #expect(peak > 0.05)
        let correlation = Self.bestCorrelation(try Self.referenceEnvelope.get(), Self.envelope(audio.samples))
        #expect(correlation > 0.95, "envelope correlation \(correlation)")
    }

    @Test func videoWithoutAudioRaisesNoAudioStream() throws {
        let path = try TestMedia.path("pattern-rotated.mov")
        #expect(throws: MediaError.self) {
            try AudioExtractor(logger: Self.logger).extract(path: path)
        }
        do {
            _ = try AudioExtractor(logger: Self.logger).extract(path: path)
        } catch let error as MediaError {
            guard case .noAudioStream = error else {
                Issue.record("expected noAudioStream, got \(error)")
                return
            }
            #expect(error.description.contains("pattern-rotated.mov"))
        }
    }

    @Test func emptyFileRaisesEmptyFile() throws {
        let path = try TestMedia.path("empty.mp4")
        do {
            _ = try AudioExtractor(logger: Self.logger).extract(path: path)
            Issue.record("an empty file decoded")
        } catch let error as MediaError {
            guard case .emptyFile = error else {
                Issue.record("expected emptyFile, got \(error)")
                return
            }
        }
    }

    @Test func audioOnlyM4aProbesAsAudio() throws {
        let path = try Self.encode("speech-only.m4a", ["-i", Self.speechPath, "-c:a", "aac"])
        let info = try MediaProbe.probe(path: path)
        #expect(info.mediaType == .audio)
        #expect(info.audioCodec == "aac")
        #expect(info.sampleRate == 16000)
        #expect(info.channels == 1)
        #expect(info.width == nil)
        #expect(info.videoFormat == nil)
        #expect(abs((info.duration ?? 0) - Self.speechDuration) < 0.1)
    }
}
