import Foundation
import JumperCore
import Testing

@testable import Inference

/// Compares the Swift networks with the numpy reference (scripts/reference) through the
/// golden values in Fixtures.
@Suite struct ReferenceComparisonTests {
    static let tolerance: Float = 1e-4

    @Test func efficientNetLogitsMatchReference() throws {
        let model = try TestSupport.model()
        let fixture = try TestSupport.fixture("efficientnet-logits.json")
        let filter = try #require(fixture["ffmpeg_filter"]?.stringValue)
        let photos = try #require(fixture["photos"]?.arrayValue)
        try #require(photos.count >= 4)

        var inputs: [[Float]] = []
        for photo in photos {
            let name = try #require(photo["photo"]?.stringValue)
            let decoded = try TestSupport.decodePhotoAt224(name, filter: filter)
            #expect(decoded.sha256 == photo["input_sha256"]?.stringValue, "ffmpeg output for '\(name)' differs from the fixture input")
            inputs.append(Self.normalised(decoded.pixels))
        }
        let logits = model.imageNetwork.logits(inputs)

        var worst: Float = 0
        for (photo, imageLogits) in zip(photos, logits) {
            let name = photo["photo"]?.stringValue ?? "?"
            let topIndices = try #require(photo["top_indices"]?.intArray)
            let topLogits = try #require(photo["top_logits"]?.floatArray)
            let stride = try #require(photo["sample_stride"]?.intValue)
            let sampled = try #require(photo["sampled_logits"]?.floatArray)

            #expect(LabelBridgeModel.topIndices(imageLogits, count: 5) == Array(topIndices.prefix(5)), "top classes of '\(name)'")
            let topDifference = TestSupport.maxAbsoluteDifference(topIndices.map { imageLogits[$0] }, topLogits)
            let sampledDifference = TestSupport.maxAbsoluteDifference(stride.map(0, imageLogits), sampled)
            #expect(topDifference < Self.tolerance, "top logits of '\(name)' differ by \(topDifference)")
            #expect(sampledDifference < Self.tolerance, "sampled logits of '\(name)' differ by \(sampledDifference)")

            let sum = try #require(photo["logit_sum"]?.doubleValue)
            let norm = try #require(photo["logit_norm"]?.doubleValue)
            let swiftSum = imageLogits.reduce(0.0) { $0 + Double($1) }
            let swiftNorm = imageLogits.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(swiftSum - sum) < 1e-2, "sum of the 1000 logits of '\(name)'")
            #expect(abs(swiftNorm - norm) < 1e-3, "norm of the 1000 logits of '\(name)'")
            worst = max(worst, topDifference, sampledDifference)
        }
        print("efficientnet max abs logit difference vs reference: \(worst)")
    }

    @Test func tokenIDsMatchReference() throws {
        let directory = try TestSupport.requireModelDirectory()
        let tokenizer = try WordPieceTokenizer(vocabularyPath: directory + "/vocab.txt")
        let sentences = try #require(try TestSupport.fixture("minilm-embeddings.json")["sentences"]?.arrayValue)
        try #require(sentences.count >= 5)
        for sentence in sentences {
            let text = try #require(sentence["text"]?.stringValue)
            let expected = try #require(sentence["token_ids"]?.intArray).map { Int32($0) }
            #expect(tokenizer.tokenIDs(for: text) == expected, "token ids of '\(text)'")
        }
    }

    @Test func classPromptTokensMatchReference() throws {
        let model = try TestSupport.model()
        let summary = try #require(try TestSupport.fixture("minilm-embeddings.json")["class_prompts"])
        let lines = model.classNames.map { name in
            model.tokenizer.tokenIDs(for: LabelBridgeModel.prompt(forClassName: name)).map(String.init).joined(separator: ",")
        }
        let tokenCount = lines.reduce(0) { $0 + $1.split(separator: ",").count }
        let hash = String(fnv1a64(lines.joined(separator: "\n")), radix: 16)
        #expect(lines.count == summary["count"]?.intValue)
        #expect(tokenCount == summary["token_count"]?.intValue)
        #expect(String(repeating: "0", count: 16 - hash.count) + hash == summary["ids_fnv1a64"]?.stringValue)
    }

    @Test func textEmbeddingsMatchReference() throws {
        let model = try TestSupport.model()
        let sentences = try #require(try TestSupport.fixture("minilm-embeddings.json")["sentences"]?.arrayValue)
        var worst: Float = 0
        for sentence in sentences {
            let text = try #require(sentence["text"]?.stringValue)
            let expected = try #require(sentence["embedding"]?.floatArray)
            let embedding = try model.embedText(text)
            #expect(embedding.count == expected.count)
            let difference = TestSupport.maxAbsoluteDifference(embedding, expected)
            #expect(difference < Self.tolerance, "embedding of '\(text)' differs by \(difference)")
            worst = max(worst, difference)
        }
        print("minilm max abs embedding difference vs reference: \(worst)")
    }

    @Test func batchedTextEmbeddingsMatchSingle() throws {
        let model = try TestSupport.model()
        let texts = ["a photo of a cat", "Crème brûlée", "北京", "a much longer sentence about a red motorcycle"]
        let batched = model.textEncoder.embeddings(texts.map { model.tokenizer.tokenIDs(for: $0) })
        for (text, vector) in zip(texts, batched) {
            let single = try model.embedText(text)
            #expect(TestSupport.maxAbsoluteDifference(single, vector) < 1e-5, "batched embedding of '\(text)'")
        }
    }

    /// Scales rgb24 bytes to [0, 1] and applies the ImageNet normalisation, channels-first.
    static func normalised(_ pixels: [UInt8]) -> [Float] {
        let area = pixels.count / 3
        var output = [Float](repeating: 0, count: pixels.count)
        for index in 0..<area {
            for channel in 0..<3 {
                let scaled = Float(pixels[index * 3 + channel]) / 255
                output[channel * area + index] = (scaled - ImagePreprocessor.mean[channel]) / ImagePreprocessor.standardDeviation[channel]
            }
        }
        return output
    }
}

extension Int {
    /// Returns every `self`-th element of `values`, starting with the first.
    fileprivate func map(_ start: Int, _ values: [Float]) -> [Float] {
        Swift.stride(from: start, to: values.count, by: self).map { values[$0] }
    }
}
