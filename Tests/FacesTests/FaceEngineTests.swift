import Foundation
import JumperCore
import Testing

@testable import Faces

@Suite struct FaceEngineTests {
    static let portraits = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png", "grace_hopper_512x512.jpg"]

    @Test(arguments: Self.portraits)
    func portraitHasOneFace(name: String) throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode(name)
        let started = ContinuousClock.now
        let faces = try engine.detectFaces(in: image, minFaceSize: 64)
        let elapsed = ContinuousClock.now - started
        print("\(name) \(image.width)x\(image.height): \(faces.map { ($0.box.integerArray, $0.score) }) in \(elapsed)")

        try #require(faces.count == 1, "expected one face in \(name), found \(faces.count)")
        let face = faces[0]
        // a portrait's face is a sizeable part of the frame and lies inside it
        #expect(face.box.width >= Double(image.width) * 0.1)
        #expect(face.box.width <= Double(image.width) * 0.9)
        #expect(face.box.height >= Double(image.height) * 0.05)
        #expect(face.box.x >= 0)
        #expect(face.box.y >= 0)
        #expect(face.box.x + face.box.width <= Double(image.width))
        #expect(face.box.y + face.box.height <= Double(image.height))
        #expect(face.score > 0)
        #expect(face.embedding.count == 128)
        #expect(face.landmarks.count == 5)
        for point in face.landmarks {
            #expect(point.x >= face.box.x - face.box.width * 0.2)
            #expect(point.x <= face.box.x + face.box.width * 1.2)
            #expect(point.y >= face.box.y - face.box.height * 0.2)
            #expect(point.y <= face.box.y + face.box.height * 1.2)
        }
        #expect(max(face.crop.width, face.crop.height) <= 128)
        #expect(face.crop.width > 16)
        #expect(face.crop.height > 16)
    }
}

@Suite struct HOGDetectorTests {
    @Test(arguments: ["obama.jpg", "obama2.jpg", "biden.jpg", "grace_hopper_512x512.jpg"])
    func frontalPortraitHasOneFace(name: String) throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode(name)
        let faces = try engine.detectFaces(in: image, options: FaceDetectionOptions(detector: .hog, minFaceSize: 80))
        #expect(faces.count == 1, "expected one face in \(name), found \(faces.count)")
    }
}

@Suite struct FaceEmbeddingTests {
    /// Returns the embedding of the single face in a photo.
    static func embedding(of name: String, filter: String? = nil) throws -> [Float] {
        let engine = try SharedEngine.get()
        let faces = try engine.detectFaces(in: try TestImages.decode(name, filter: filter), minFaceSize: 64)
        try #require(faces.count == 1, "expected one face in \(name) with filter \(filter ?? "none")")
        return faces[0].embedding
    }

    @Test func samePersonIsClose() throws {
        let obama = try ["obama.jpg", "obama2.jpg", "obama3.jpg"].map { try Self.embedding(of: $0) }
        for first in 0..<obama.count {
            for second in (first + 1)..<obama.count {
                let distance = euclideanDistance(obama[first], obama[second])
                print("obama \(first) - \(second): \(distance)")
                #expect(distance < 0.5, "Obama photos \(first) and \(second) are \(distance) apart")
            }
        }
    }

    @Test func differentPeopleAreFar() throws {
        let biden = try Self.embedding(of: "biden.jpg")
        let others = try ["obama.jpg", "obama2.jpg", "obama3.jpg", "astronaut.png", "grace_hopper_512x512.jpg"]
            .map { ($0, try Self.embedding(of: $0)) }
        for (name, embedding) in others {
            let distance = euclideanDistance(biden, embedding)
            print("biden - \(name): \(distance)")
            #expect(distance >= 0.6, "Biden and \(name) are only \(distance) apart")
        }
    }

    @Test func mirroredFaceStaysClose() throws {
        let original = try Self.embedding(of: "grace_hopper_512x512.jpg")
        let mirrored = try Self.embedding(of: "grace_hopper_512x512.jpg", filter: "hflip")
        let distance = euclideanDistance(original, mirrored)
        #expect(distance < 0.4, "mirrored Grace Hopper is \(distance) from the original")
    }

    @Test func embeddingsAreUnitScale() throws {
        // dlib's metric network outputs vectors of length close to 1 in practice
        let embedding = try Self.embedding(of: "astronaut.png")
        let norm = euclideanDistance(embedding, [Float](repeating: 0, count: 128))
        #expect(norm > 0.2, "embedding norm \(norm)")
        #expect(norm < 2, "embedding norm \(norm)")
    }
}

@Suite struct FaceDetectionOptionsTests {
    @Test func compositeHasTwoFaces() throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode(
            [TestImages.path("obama2.jpg"), TestImages.path("biden.jpg")],
            filter: "[0]scale=-2:800[a];[1]scale=-2:800[b];[a][b]hstack=inputs=2"
        )
        let faces = try engine.detectFaces(in: image, minFaceSize: 64)
        try #require(faces.count == 2, "expected two faces in the composite, found \(faces.count)")
        let sorted = faces.sorted { $0.box.x < $1.box.x }
        let leftWidth = Double(image.width) / 2
        // obama2 is scaled to about 417 pixels wide, so its face lies left of the middle
        #expect(sorted[0].box.x + sorted[0].box.width < leftWidth + 10)
        #expect(sorted[1].box.x > Double(image.width) * 0.3)
        let obama = try FaceEmbeddingTests.embedding(of: "obama.jpg")
        #expect(euclideanDistance(sorted[0].embedding, obama) < 0.5)
        #expect(euclideanDistance(sorted[1].embedding, obama) >= 0.6)
    }

    @Test func smallFacesAreSkipped() throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode("grace_hopper_512x512.jpg")
        // the face is about 150 pixels wide
        let large = try engine.detectFaces(in: image, minFaceSize: 200)
        #expect(large.isEmpty)
        let small = try engine.detectFaces(in: image, minFaceSize: 100)
        #expect(small.count == 1)
    }

    @Test func hogDetectorFindsFrontalFace() throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode("obama.jpg")
        let options = FaceDetectionOptions(detector: .hog, minFaceSize: 100)
        let faces = try engine.detectFaces(in: image, options: options)
        try #require(faces.count == 1)
        let cnn = try engine.detectFaces(in: image, minFaceSize: 100)
        try #require(cnn.count == 1)
        // both detectors frame the same face: the box centres lie within a quarter box apart
        let hogCentre = (faces[0].box.x + faces[0].box.width / 2, faces[0].box.y + faces[0].box.height / 2)
        let cnnCentre = (cnn[0].box.x + cnn[0].box.width / 2, cnn[0].box.y + cnn[0].box.height / 2)
        #expect(abs(hogCentre.0 - cnnCentre.0) < cnn[0].box.width / 4)
        #expect(abs(hogCentre.1 - cnnCentre.1) < cnn[0].box.height / 4)
        #expect(euclideanDistance(faces[0].embedding, cnn[0].embedding) < 0.3)
    }

    @Test func faceFreeImageHasNoFaces() throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode([TestImages.path("astronaut.png")], filter: "crop=160:160:340:340")
        let faces = try engine.detectFaces(in: image, minFaceSize: 40)
        #expect(faces.isEmpty)
    }

    @Test func invalidOptionsAreRejected() throws {
        let engine = try SharedEngine.get()
        let image = RGBImage(width: 64, height: 64, pixels: [UInt8](repeating: 128, count: 64 * 64 * 3))
        #expect(throws: FacesError.self) {
            _ = try engine.detectFaces(in: image, minFaceSize: 0)
        }
    }

    @Test func tinyImageIsHandled() throws {
        let engine = try SharedEngine.get()
        let image = RGBImage(width: 3, height: 2, pixels: [UInt8](repeating: 10, count: 18))
        let faces = try engine.detectFaces(in: image, minFaceSize: 8)
        #expect(faces.isEmpty)
    }

    @Test func missingModelsFolderIsReported() throws {
        #expect(throws: FacesError.modelFileMissing(path: "/nonexistent/\(FaceEngine.detectorFileName)")) {
            _ = try FaceEngine.load(modelsDirectory: "/nonexistent", logger: Logger(label: "test"))
        }
    }

    @Test func corruptModelIsReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("faces-corrupt-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in [FaceEngine.detectorFileName, FaceEngine.shapePredictorFileName, FaceEngine.embedderFileName] {
            try Data("not a dlib model".utf8).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
        }
        do {
            _ = try FaceEngine.load(modelsDirectory: folder, logger: Logger(label: "test"))
            Issue.record("loading text files as models succeeded")
        } catch let error as FacesError {
            guard case .modelLoadFailed(let message) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(message.contains(FaceEngine.detectorFileName))
        }
    }

    @Test func alignedChipsAreReturned() throws {
        let engine = try SharedEngine.get()
        let image = try TestImages.decode("grace_hopper_512x512.jpg")
        let boxes = try engine.detectBoxes(in: image, options: FaceDetectionOptions(detector: .cnn))
        try #require(boxes.count == 1)
        let descriptions = try engine.describeFaces(in: image, boxes: [boxes[0].box], includeChips: true)
        let chip = try #require(descriptions.first?.chip)
        #expect(chip.width == 150)
        #expect(chip.height == 150)
        // a real face chip is not flat: its pixel values spread
        let values = chip.pixels.map(Int.init)
        #expect((values.max() ?? 0) - (values.min() ?? 0) > 100)
    }
}
