import AnalysisStore
import Foundation
import JumperCore
import Testing

@testable import Faces

/// A temporary folder removed when the value is released.
final class TemporaryCacheFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "faces-storage-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        self.path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// Builds faces of `people` people, `framesPerPerson` frames each, in one media file. Faces of
/// one person lie about 0.2 apart around a random centre; different people about 1.4 apart.
func makeFaces(hashString: String, people: Int, framesPerPerson: Int, seed: UInt64 = 7) -> [FaceRecord] {
    var generator = SplitMix(state: seed)
    func unitVector() -> [Float] {
        let values = (0..<FaceEngine.embeddingDimension).map { _ in Float.random(in: -1...1, using: &generator) }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }
    var faces: [FaceRecord] = []
    for person in 0..<people {
        let centre = unitVector()
        for frame in 0..<framesPerPerson {
            let noise = unitVector()
            let frameIndex = person * framesPerPerson + frame
            faces.append(
                FaceRecord(
                    faceID: FaceAnalysis.faceID(hashString: hashString, frameIndex: frameIndex, number: 0),
                    hashString: hashString,
                    mediaPath: "/media/\(hashString).mp4",
                    frameIndex: frameIndex,
                    timestampSeconds: Double(frameIndex),
                    box: FaceBox(x: 10, y: 20, width: 100, height: 120),
                    score: 0.9,
                    embedding: zip(centre, noise).map { $0 + 0.1 * $1 },
                    cropJPEG: [0xFF, 0xD8, UInt8(frame), 0xFF, 0xD9]
                )
            )
        }
    }
    return faces
}

/// SplitMix64, seeded so every run builds the same embeddings.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

func makeFaceAnalysis(hashString: String, people: Int = 2, framesPerPerson: Int = 6) -> FaceAnalysis {
    FaceAnalysis(
        hashString: hashString,
        sourcePath: "/media/\(hashString).mp4",
        modelKey: FaceEngine.modelKey,
        detector: "hog",
        minFaceSize: 120,
        frameWidth: 1920,
        frameHeight: 1080,
        frameCount: people * framesPerPerson + 3,
        faces: makeFaces(hashString: hashString, people: people, framesPerPerson: framesPerPerson)
    )
}

@Suite struct FaceAnalysisFileTests {
    @Test func roundTripKeepsEveryField() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        let analysis = makeFaceAnalysis(hashString: "0a1b2c3d-1000")
        try cache.writeFaceAnalysis(analysis, duration: 15, mediaType: "video")

        let read = try #require(try cache.readFaceAnalysis(hashString: "0a1b2c3d-1000"))
        #expect(read == analysis)
        let manifest = try #require(try cache.manifest(hashString: "0a1b2c3d-1000"))
        #expect(manifest.analyses["faces"]?.file == FaceAnalysis.fileName)
        #expect(manifest.analyses["faces"]?.modelKey == FaceEngine.modelKey)
        #expect(manifest.duration == 15)
    }

    @Test func headerGivesCountsWithoutFaces() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeFaceAnalysis(makeFaceAnalysis(hashString: "0a1b2c3d-1000", people: 3), duration: 21, mediaType: "video")

        let header = try #require(cache.readFaceAnalysisHeader(hashString: "0a1b2c3d-1000"))
        #expect(header.faceCount == 18)
        #expect(header.frameCount == 21)
        #expect(header.modelKey == FaceEngine.modelKey)
        #expect(cache.hasFaceAnalysis(hashString: "0a1b2c3d-1000"))
        #expect(cache.hasFaceAnalysis(hashString: "0a1b2c3d-1000", modelKey: "other-model") == false)
        #expect(cache.hasFaceAnalysis(hashString: "99999999-1000") == false)
    }

    @Test func fileWithoutFacesStillCounts() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeFaceAnalysis(makeFaceAnalysis(hashString: "0a1b2c3d-1000", people: 0), duration: 3, mediaType: "video")

        #expect(try cache.readFaceAnalysis(hashString: "0a1b2c3d-1000")?.faces.isEmpty == true)
        #expect(cache.readFaceAnalysisHeader(hashString: "0a1b2c3d-1000")?.faceCount == 0)
    }

    @Test func truncatedFileIsDamaged() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        try cache.writeFaceAnalysis(makeFaceAnalysis(hashString: "0a1b2c3d-1000"), duration: 15, mediaType: "video")
        let path = cache.faceAnalysisPath(hashString: "0a1b2c3d-1000")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // cut after the header and two faces, at a line end, as a lost tail would
        let lineEnds = bytes.indices.filter { bytes[$0] == 0x0A }
        try bytes.prefix(lineEnds[2] + 1).write(to: URL(fileURLWithPath: path))

        #expect(throws: StoreError.self) { try cache.readFaceAnalysis(hashString: "0a1b2c3d-1000") }
        do {
            _ = try cache.readFaceAnalysis(hashString: "0a1b2c3d-1000")
        } catch {
            #expect(String(describing: error).contains("face_count"))
        }
    }

    @Test func newerVersionIsRejected() throws {
        var header = "{\"format\":\"jumper-face-analysis\",\"version\":99,\"hash_str\":\"0a1b2c3d-1000\","
        header += "\"model_key\":\"dlib-resnet-128\",\"frame_count\":1,\"face_count\":0}"
        #expect(throws: FacesError.self) { try FaceAnalysis.decodeHeader(Array(header.utf8)) }
    }

    @Test func missingAnalysisReadsAsNil() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        #expect(try cache.readFaceAnalysis(hashString: "0a1b2c3d-1000") == nil)
        #expect(cache.readFaceAnalysisHeader(hashString: "0a1b2c3d-1000") == nil)
    }
}

@Suite struct FaceCollectionStoreTests {
    @Test func updateCreatesAndPersists() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        let store = FaceCollectionStore()
        let faces = makeFaces(hashString: "0a1b2c3d-1000", people: 2, framesPerPerson: 6)
        let report = try store.update(cache, name: "default", createIfMissing: true) { try $0.add(faces) }
        #expect(report.newClusterIDs.count == 2)

        // a second store reads the file, not the first store's memory
        let reread = try FaceCollectionStore().read(cache, name: "default") { $0 }
        #expect(reread.faces.count == 12)
        #expect(reread.clusters.count == 2)
        #expect(FileManager.default.fileExists(atPath: "\(folder.path)/collections/default/collection.json"))
        #expect(try cache.collectionNames() == ["default"])
    }

    @Test func missingCollectionIsNotFound() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        let store = FaceCollectionStore()
        #expect(throws: FacesError.collectionNotFound(name: "people", cacheDirectory: folder.path)) {
            try store.read(cache, name: "people") { $0.faces.count }
        }
        #expect(throws: FacesError.collectionNotFound(name: "people", cacheDirectory: folder.path)) {
            try store.update(cache, name: "people") { $0.faces.count }
        }
        #expect(store.exists(cache, name: "people") == false)
    }

    @Test(arguments: ["", ".hidden", "a/b", "../up", String(repeating: "x", count: 201)])
    func invalidNamesAreRejected(name: String) throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        #expect(throws: StoreError.invalidCollectionName(name)) {
            try FaceCollectionStore().update(cache, name: name, createIfMissing: true) { $0.faces.count }
        }
    }

    @Test func failedUpdateSavesNothing() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        let store = FaceCollectionStore()
        let faces = makeFaces(hashString: "0a1b2c3d-1000", people: 1, framesPerPerson: 6)
        let clusterID = try store.update(cache, name: "default", createIfMissing: true) { collection in
            try collection.add(faces).newClusterIDs[0]
        }
        #expect(throws: FacesError.clusterNotFound(clusterID: "404")) {
            try store.update(cache, name: "default") { collection in
                try collection.rename(clusterID: clusterID, to: "Ada")
                try collection.rename(clusterID: "404", to: "Nobody")
            }
        }
        let name = try FaceCollectionStore().read(cache, name: "default") { $0.clusters[clusterID]?.name }
        #expect(name == nil)
    }

    @Test func concurrentEditsKeepEveryChange() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        let store = FaceCollectionStore()
        try store.update(cache, name: "default", createIfMissing: true) { _ in }

        // eight writers each add the faces of their own media file and rename what they made
        let writers = 8
        let failures = LockedErrors()
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            let hash = String(format: "%08x-%d", writer + 1, 1000 + writer)
            let faces = makeFaces(hashString: hash, people: 1, framesPerPerson: 5, seed: UInt64(writer + 100))
            do {
                try store.update(cache, name: "default") { collection in
                    let report = try collection.add(faces)
                    for clusterID in report.newClusterIDs {
                        try collection.rename(clusterID: clusterID, to: "writer \(writer)")
                    }
                }
            } catch {
                failures.append(error)
            }
        }
        #expect(failures.errors.isEmpty)
        let collection = try FaceCollectionStore().read(cache, name: "default") { $0 }
        #expect(collection.faces.count == writers * 5)
        let names = Set(collection.clusters.values.compactMap(\.name))
        #expect(names == Set((0..<writers).map { "writer \($0)" }))
    }

    @Test func readSeesChangesOfAnotherWriter() throws {
        let folder = try TemporaryCacheFolder()
        let cache = try CacheDirectory(path: folder.path)
        let first = FaceCollectionStore()
        let second = FaceCollectionStore()
        let faces = makeFaces(hashString: "0a1b2c3d-1000", people: 1, framesPerPerson: 6)
        let clusterID = try first.update(cache, name: "default", createIfMissing: true) { try $0.add(faces).newClusterIDs[0] }
        #expect(try first.read(cache, name: "default") { $0.clusters[clusterID]?.name } == nil)

        try second.update(cache, name: "default") { try $0.rename(clusterID: clusterID, to: "Grace") }
        #expect(try first.read(cache, name: "default") { $0.clusters[clusterID]?.name } == "Grace")
    }

    @Test func reanalysedMediaReplacesItsFaces() throws {
        var collection = FaceCollection(name: "default")
        _ = try collection.add(makeFaces(hashString: "0a1b2c3d-1000", people: 1, framesPerPerson: 6))
        _ = try collection.add(makeFaces(hashString: "11111111-2000", people: 1, framesPerPerson: 6, seed: 9))
        #expect(collection.containsMedia(hashString: "0a1b2c3d-1000"))

        #expect(collection.removeFaces(ofMedia: "0a1b2c3d-1000") == 6)
        #expect(collection.containsMedia(hashString: "0a1b2c3d-1000") == false)
        #expect(collection.faces.count == 6)
        #expect(collection.clusters.count == 1)
        // positions were rebuilt, so lookups and re-adding the same ids work
        #expect(collection.face(id: collection.faces[0].faceID) == collection.faces[0])
        _ = try collection.add(makeFaces(hashString: "0a1b2c3d-1000", people: 1, framesPerPerson: 6))
        #expect(collection.faces.count == 12)
    }
}

/// Errors collected from several threads.
final class LockedErrors: @unchecked Sendable {
    // The lock protects `stored`.
    private let lock = NSLock()
    private var stored: [any Error] = []

    func append(_ error: any Error) {
        self.lock.withLock { self.stored.append(error) }
    }

    var errors: [any Error] {
        self.lock.withLock { self.stored }
    }
}
