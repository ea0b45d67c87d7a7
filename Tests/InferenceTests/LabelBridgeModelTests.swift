import Dispatch
import Foundation
import JumperCore
import Testing

@testable import Inference

@Suite struct LabelBridgeModelTests {
    /// Real photos and the query each one should match best.
    static let photoQueries = [
        ("chelsea.png", "a cat"),
        ("coffee.png", "a cup of coffee"),
        ("rocket.jpg", "a rocket"),
        ("motorcycle_left.png", "a motorcycle"),
    ]

    @Test func photosRankTheirOwnQueryFirst() throws {
        let model = try TestSupport.model()
        let photos = try Self.photoQueries.map { try TestSupport.decodePhoto($0.0) }
        let frameVectors = try model.embedImages(photos)
        let queryVectors = try Self.photoQueries.map { try model.embedText($0.1) }

        for (photoIndex, (photo, expectedQuery)) in Self.photoQueries.enumerated() {
            let scores = queryVectors.map { TestSupport.dot(frameVectors[photoIndex], $0) }
            print("cosines of \(photo): \(scores.map { String(format: "%.3f", $0) }.joined(separator: " "))")
            let best = scores.indices.max { scores[$0] < scores[$1] }!
            #expect(Self.photoQueries[best].1 == expectedQuery, "'\(photo)' scores \(scores) for \(Self.photoQueries.map(\.1))")
        }
        for (queryIndex, (expectedPhoto, query)) in Self.photoQueries.enumerated() {
            let scores = frameVectors.map { TestSupport.dot($0, queryVectors[queryIndex]) }
            let best = scores.indices.max { scores[$0] < scores[$1] }!
            #expect(Self.photoQueries[best].0 == expectedPhoto, "'\(query)' scores \(scores) for the photos")
        }
    }

    @Test func vectorsHaveUnitLength() throws {
        let model = try TestSupport.model()
        #expect(model.modelKey == "label-bridge-384")
        #expect(model.dimension == 384)
        let image = try model.embedImages([TestSupport.decodePhoto("coffee.png")])[0]
        let text = try model.embedText("a cup of coffee")
        #expect(image.count == 384)
        #expect(text.count == 384)
        #expect(abs(TestSupport.dot(image, image) - 1) < 1e-5)
        #expect(abs(TestSupport.dot(text, text) - 1) < 1e-5)
    }

    @Test func catPhotoLabelsAreCats() throws {
        let model = try TestSupport.model()
        let labels = try model.labels(for: [TestSupport.decodePhoto("chelsea.png")], count: 3)[0]
        #expect(labels.count == 3)
        // ImageNet classes 281 to 285 are the domestic cats.
        #expect((281...285).contains(labels[0].classIndex), "top label is \(labels[0])")
        #expect(labels[0].probability > labels[1].probability)
    }

    @Test func batchesMatchSingleImages() throws {
        let model = try TestSupport.model()
        let photos = try Self.photoQueries.map { try TestSupport.decodePhoto($0.0) }
        // Nine images cross the batch boundary of eight, and sizes differ within a batch.
        let images = Array((photos + photos + photos).prefix(9))
        let batched = try model.embedImages(images)
        #expect(batched.count == 9)
        for (index, image) in images.enumerated() {
            let single = try model.embedImages([image])[0]
            let difference = TestSupport.maxAbsoluteDifference(single, batched[index])
            #expect(difference < 1e-5, "image \(index) differs by \(difference) between batch and single run")
        }
        #expect(try model.embedImages([]).isEmpty)
    }

    @Test func concurrentTextAndImageCallsAgree() throws {
        let model = try TestSupport.model()
        let photo = try TestSupport.decodePhoto("rocket.jpg")
        let expectedImage = try model.embedImages([photo])[0]
        let expectedText = try model.embedText("a rocket on the launch pad")

        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 6) { iteration in
            do {
                if iteration.isMultiple(of: 2) {
                    let vector = try model.embedImages([photo])[0]
                    results.record(TestSupport.maxAbsoluteDifference(vector, expectedImage))
                } else {
                    let vector = try model.embedText("a rocket on the launch pad")
                    results.record(TestSupport.maxAbsoluteDifference(vector, expectedText))
                }
            } catch {
                results.record(.infinity)
            }
        }
        #expect(results.values.count == 6)
        #expect(results.values.allSatisfy { $0 < 1e-5 }, "differences \(results.values)")
    }

    @Test func classEmbeddingsAreCachedInModelFolder() throws {
        let source = try TestSupport.requireModelDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("label-bridge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["efficientnet-lite0.safetensors", "all-minilm-l6-v2.safetensors", "vocab.txt", "classes.json", "manifest.json"] {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + name, withDestinationPath: source + "/" + name)
        }

        let sink = MemoryLogSink()
        let logger = Logger(label: "cache-test", minimumLevel: .debug, sink: sink)
        let first = try LabelBridgeModel.load(from: directory, logger: logger)
        #expect(FileManager.default.fileExists(atPath: directory + "/class-embeddings.f32"))
        #expect(sink.records.contains { $0.message == "class embeddings computed" })

        let second = try LabelBridgeModel.load(from: directory, logger: logger)
        #expect(sink.records.contains { $0.message == "class embeddings read from cache" })
        #expect(second.classEmbeddings == first.classEmbeddings)
        #expect(second.classEmbeddings.count == 1000)
    }

    @Test func missingModelFolderNamesFetchScript() throws {
        let logger = Logger(label: "missing-test", sink: MemoryLogSink())
        #expect {
            _ = try LabelBridgeModel.load(from: "/nonexistent/label-bridge-384", logger: logger)
        } throws: { error in
            let description = "\(error)"
            return description.contains("/nonexistent/label-bridge-384") && description.contains("scripts/fetch-models.sh")
        }
    }

    @Test func classPromptsAvoidDoubleArticle() {
        #expect(LabelBridgeModel.prompt(forClassName: "tabby cat") == "a photo of a tabby cat")
        #expect(LabelBridgeModel.prompt(forClassName: "a cat having a striped coat") == "a photo of a cat having a striped coat")
    }
}

/// Differences collected from concurrent workers behind a lock.
private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Float] = []

    func record(_ value: Float) {
        self.lock.lock()
        self.storage.append(value)
        self.lock.unlock()
    }

    var values: [Float] {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.storage
    }
}
