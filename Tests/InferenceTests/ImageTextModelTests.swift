import Foundation
import JumperCore
import Testing

@testable import Inference

/// Compares the CLIP and SigLIP engines with transformers 4.40.2 on the tiny random checkpoints
/// that scripts/reference/make_clip_fixtures.py writes into Fixtures.
@Suite struct ImageTextModelTests {
    static let tolerance: Float = 1e-4
    static let fixtures = ["tiny-clip", "tiny-siglip"]

    static func load(_ fixture: String) throws -> any ImageTextTowers {
        let directory = TestSupport.repositoryRoot + "/Tests/InferenceTests/Fixtures/" + fixture
        let logger = Logger(label: "inference-tests", minimumLevel: .warning)
        let key = fixture == "tiny-clip" ? CLIPModel.key : SigLIPModel.key
        return try #require(try VisualModelLoader.load(key: key, from: directory, logger: logger) as? any ImageTextTowers)
    }

    @Test(arguments: Self.fixtures)
    func tokenIDsMatchReference(fixture: String) throws {
        let model = try Self.load(fixture)
        let sentences = try #require(try TestSupport.fixture(fixture + "/reference.json")["sentences"]?.arrayValue)
        try #require(sentences.count >= 5)
        for sentence in sentences {
            let text = try #require(sentence["text"]?.stringValue)
            let expected = try #require(sentence["token_ids"]?.intArray)
            #expect(model.textTokenIDs(for: text) == expected, "tokens of '\(text)'")
        }
    }

    @Test(arguments: Self.fixtures)
    func textEmbeddingsMatchReference(fixture: String) throws {
        let model = try Self.load(fixture)
        let sentences = try #require(try TestSupport.fixture(fixture + "/reference.json")["sentences"]?.arrayValue)
        for sentence in sentences {
            let text = try #require(sentence["text"]?.stringValue)
            let expected = try #require(sentence["embedding"]?.floatArray)
            let vector = try model.embedText(text)
            #expect(vector.count == expected.count)
            let difference = TestSupport.maxAbsoluteDifference(vector, expected)
            #expect(difference < Self.tolerance, "embedding of '\(text)' differs by \(difference)")
        }
    }

    @Test(arguments: Self.fixtures)
    func pixelsMatchReference(fixture: String) throws {
        let model = try Self.load(fixture)
        let photos = try #require(try TestSupport.fixture(fixture + "/reference.json")["photos"]?.arrayValue)
        try #require(photos.count >= 3)
        for photo in photos {
            let name = try #require(photo["photo"]?.stringValue)
            let image = try TestSupport.decodePhoto(name)
            let crop = try model.preprocessor.croppedPixels(image)
            #expect(SHA256.hex(of: crop) == photo["crop_sha256"]?.stringValue, "resized pixels of '\(name)' differ from Pillow's")

            let input = try model.preprocessor.networkInput(from: image)
            let stride = try #require(photo["sample_stride"]?.intValue)
            let sampled = try #require(photo["sampled_values"]?.floatArray)
            let values = Swift.stride(from: 0, to: input.count, by: stride).map { input[$0] }
            let difference = TestSupport.maxAbsoluteDifference(values, sampled)
            #expect(values.count == sampled.count)
            #expect(difference < Self.tolerance, "normalised pixels of '\(name)' differ by \(difference)")
            let sum = try #require(photo["sum"]?.doubleValue)
            #expect(abs(input.reduce(0.0) { $0 + Double($1) } - sum) < 0.05, "pixel sum of '\(name)'")
        }
    }

    @Test(arguments: Self.fixtures)
    func imageEmbeddingsMatchReference(fixture: String) throws {
        let model = try Self.load(fixture)
        let photos = try #require(try TestSupport.fixture(fixture + "/reference.json")["photos"]?.arrayValue)
        let images = try photos.map { try TestSupport.decodePhoto(try #require($0["photo"]?.stringValue)) }
        let vectors = try model.embedImages(images)
        #expect(vectors.count == photos.count)
        for (photo, vector) in zip(photos, vectors) {
            let expected = try #require(photo["embedding"]?.floatArray)
            let difference = TestSupport.maxAbsoluteDifference(vector, expected)
            #expect(vector.count == expected.count)
            #expect(difference < Self.tolerance, "embedding of '\(photo["photo"]?.stringValue ?? "?")' differs by \(difference)")
        }
    }

    @Test(arguments: Self.fixtures)
    func concurrentCallsMatchSerialCalls(fixture: String) async throws {
        let model = try Self.load(fixture)
        let sentences = try #require(try TestSupport.fixture(fixture + "/reference.json")["sentences"]?.arrayValue)
        let texts = sentences.compactMap { $0["text"]?.stringValue }
        let serial = try texts.map { try model.embedText($0) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try model.embedText(text)) }
            }
            var results = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group {
                results[index] = vector
            }
            return results
        }
        #expect(concurrent == serial)
    }

    @Test func clipPoolsHighestTokenForLegacyEOS() {
        // OpenAI's configs set eos_token_id 2, so the highest id (<|endoftext|>) is pooled
        #expect(CLIPModel.poolingPosition([49406, 320, 2368, 49407, 0, 0], eosTokenID: 2) == 3)
        #expect(CLIPModel.poolingPosition([680, 320, 681, 681], eosTokenID: 681) == 2)
    }

    @Test func loaderRejectsUnknownKey() {
        let logger = Logger(label: "inference-tests", minimumLevel: .warning)
        #expect(throws: InferenceError.self) {
            try VisualModelLoader.load(key: "v2-medium-256", from: "/nonexistent", logger: logger)
        }
    }

    @Test func loaderRejectsMismatchedFolder() {
        let logger = Logger(label: "inference-tests", minimumLevel: .warning)
        let directory = TestSupport.repositoryRoot + "/Tests/InferenceTests/Fixtures/tiny-clip"
        #expect(throws: InferenceError.self) {
            try VisualModelLoader.load(key: SigLIPModel.key, from: directory, logger: logger)
        }
    }
}
