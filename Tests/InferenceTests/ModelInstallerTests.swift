import Foundation
import Glibc
import JumperCore
import Synchronization
import Testing

@testable import Inference

/// Installs the tiny CLIP and SigLIP checkpoints from a folder and downloads them from a
/// mirror server started on 127.0.0.1 by each test.
@Suite struct ModelInstallerTests {
    static let fixtures = TestSupport.repositoryRoot + "/Tests/InferenceTests/Fixtures"
    let logger = Logger(label: "installer-tests", minimumLevel: .error)

    @Test func installCopiesCheckpointWithManifest() throws {
        let models = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: models) }
        let installer = ModelInstaller(logger: self.logger)

        let manifest = try installer.install(key: SigLIPModel.key, fromFolder: Self.fixtures + "/tiny-siglip", modelsDirectory: models)
        let directory = models + "/" + SigLIPModel.key
        #expect(manifest.modelKey == SigLIPModel.key)
        #expect(manifest.dimension == 32)
        #expect(manifest.files.map(\.name).contains("spiece.model"))
        #expect(!manifest.files.map(\.name).contains("reference.json"), "only checkpoint files are copied")
        let weights = try #require(manifest.files.first { $0.name == "model.safetensors" })
        #expect(weights.sha256 == (try SHA256.hex(ofFileAt: Self.fixtures + "/tiny-siglip/model.safetensors")))
        #expect(try ModelManifest.read(directory: directory) == manifest)
        try manifest.verify(directory: directory)

        let model = try VisualModelLoader.load(key: SigLIPModel.key, from: directory, logger: self.logger)
        #expect(model.modelKey == SigLIPModel.key)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: models).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "staging folders left behind: \(leftovers)")
    }

    @Test func installReplacesExistingModel() throws {
        let models = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: models) }
        let installer = ModelInstaller(logger: self.logger)
        try installer.install(key: CLIPModel.key, fromFolder: Self.fixtures + "/tiny-clip", modelsDirectory: models)
        let stray = models + "/" + CLIPModel.key + "/stray.txt"
        FileManager.default.createFile(atPath: stray, contents: Data("old".utf8))

        try installer.install(key: CLIPModel.key, fromFolder: Self.fixtures + "/tiny-clip", modelsDirectory: models)
        #expect(!FileManager.default.fileExists(atPath: stray), "the old folder is replaced as a whole")
        try ModelManifest.read(directory: models + "/" + CLIPModel.key).verify(directory: models + "/" + CLIPModel.key)
    }

    @Test func installRejectsIncompleteFolder() throws {
        let models = try Self.temporaryDirectory()
        let source = try Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: models)
            try? FileManager.default.removeItem(atPath: source)
        }
        for name in ["config.json", "model.safetensors", "vocab.json"] {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/tiny-clip/" + name, toPath: source + "/" + name)
        }
        let installer = ModelInstaller(logger: self.logger)
        #expect(throws: InferenceError.self) {
            try installer.install(key: CLIPModel.key, fromFolder: source, modelsDirectory: models)
        }
        #expect(!FileManager.default.fileExists(atPath: models + "/" + CLIPModel.key))
    }

    @Test func installRejectsWeightsOfOtherModel() throws {
        let models = try Self.temporaryDirectory()
        let source = try Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: models)
            try? FileManager.default.removeItem(atPath: source)
        }
        // a CLIP folder whose config and weights are SigLIP's
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/tiny-clip/" + name, toPath: source + "/" + name)
        }
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/tiny-siglip/" + name, toPath: source + "/" + name)
        }
        let installer = ModelInstaller(logger: self.logger)
        #expect(throws: InferenceError.self) {
            try installer.install(key: CLIPModel.key, fromFolder: source, modelsDirectory: models)
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: models)
        #expect(entries.isEmpty, "nothing is left behind: \(entries)")
    }

    @Test func unknownKeyListsInstallableKeys() throws {
        let installer = ModelInstaller(logger: self.logger)
        do {
            try installer.install(key: "v2-medium-256", fromFolder: "/nonexistent", modelsDirectory: "/nonexistent")
            Issue.record("install of an unknown key succeeded")
        } catch let error as InferenceError {
            #expect("\(error)".contains("clip-vit-b-32"))
        }
    }

    // MARK: - Download

    @Test func downloadResumesAfterTruncatedResponse() async throws {
        let models = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: models) }
        let server = try MirrorServer(root: Self.fixtures + "/tiny-clip", options: ["--truncate", "model.safetensors", "--hide", "tokenizer.json"])
        defer { server.stop() }

        let reports = Mutex<[DownloadProgress]>([])
        let manifest = try await ModelInstaller(logger: self.logger).download(
            key: CLIPModel.key,
            baseURL: server.baseURL,
            modelsDirectory: models
        ) { report in
            reports.withLock { $0.append(report) }
        }

        let directory = models + "/" + CLIPModel.key
        try manifest.verify(directory: directory)
        let weights = try #require(manifest.files.first { $0.name == "model.safetensors" })
        #expect(weights.sha256 == (try SHA256.hex(ofFileAt: Self.fixtures + "/tiny-clip/model.safetensors")))
        #expect(!manifest.files.map(\.name).contains("tokenizer.json"), "an optional file missing on the mirror is skipped")
        #expect(manifest.source.hasPrefix(server.baseURL.absoluteString))

        let requests = try server.requests()
        let weightRequests = requests.filter { $0.hasPrefix("model.safetensors ") }
        #expect(weightRequests.count == 2, "one truncated request and one resume: \(weightRequests)")
        #expect(weightRequests.last?.contains("bytes=") == true, "the retry asks for the missing range: \(weightRequests)")
        #expect(requests.allSatisfy { !$0.hasPrefix("config.json bytes=") }, "complete files are not re-requested with a range")

        let weightReports = reports.withLock { $0.filter { $0.fileName == "model.safetensors" } }
        #expect(weightReports.last?.bytesReceived == Int64(weights.size))
        #expect(weightReports.last?.fileSize == Int64(weights.size))
        #expect(zip(weightReports, weightReports.dropFirst()).allSatisfy { $0.bytesReceived <= $1.bytesReceived })
        let model = try VisualModelLoader.load(key: CLIPModel.key, from: directory, logger: self.logger)
        #expect(model.dimension == 24)
    }

    @Test func downloadResumesAcrossCalls() async throws {
        let models = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: models) }
        let server = try MirrorServer(root: Self.fixtures + "/tiny-siglip", options: ["--truncate", "model.safetensors"])
        defer { server.stop() }
        let installer = ModelInstaller(logger: self.logger)

        // one attempt per call: the first call ends with a .part file, the second resumes it
        await #expect(throws: InferenceError.self) {
            try await installer.download(key: SigLIPModel.key, baseURL: server.baseURL, modelsDirectory: models, maxAttempts: 1)
        }
        let part = models + "/.downloads/" + SigLIPModel.key + "/model.safetensors.part"
        let partSize = HTTPFileFetcher.fileSize(part)
        #expect(partSize > 0)

        let manifest = try await installer.download(key: SigLIPModel.key, baseURL: server.baseURL, modelsDirectory: models, maxAttempts: 1)
        try manifest.verify(directory: models + "/" + SigLIPModel.key)
        #expect(try server.requests().contains("model.safetensors bytes=\(partSize)-"))
        #expect(!FileManager.default.fileExists(atPath: models + "/.downloads/" + SigLIPModel.key))
    }

    @Test func downloadRejectsWrongChecksum() async throws {
        let models = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: models) }
        let server = try MirrorServer(root: Self.fixtures + "/tiny-siglip", options: ["--wrong-sha", "spiece.model"])
        defer { server.stop() }

        await #expect(throws: InferenceError.self) {
            try await ModelInstaller(logger: self.logger).download(key: SigLIPModel.key, baseURL: server.baseURL, modelsDirectory: models, maxAttempts: 2)
        }
        #expect(!FileManager.default.fileExists(atPath: models + "/" + SigLIPModel.key))
        #expect(try server.requests().filter { $0.hasPrefix("spiece.model ") }.count == 2)
    }

    @Test func downloadReportsMissingRequiredFile() async throws {
        let models = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: models) }
        let server = try MirrorServer(root: Self.fixtures + "/tiny-siglip", options: ["--hide", "spiece.model"])
        defer { server.stop() }
        do {
            try await ModelInstaller(logger: self.logger).download(key: SigLIPModel.key, baseURL: server.baseURL, modelsDirectory: models)
            Issue.record("download without spiece.model succeeded")
        } catch let error as InferenceError {
            #expect("\(error)".contains("spiece.model"))
            #expect("\(error)".contains("404"))
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("installer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

// MARK: - Mirror server

/// The Python mirror server of `Fixtures/mirror_server.py`, run as a subprocess on 127.0.0.1.
private final class MirrorServer {
    let process = Process()
    let logPath: String
    let baseURL: URL

    init(root: String, options: [String]) throws {
        self.logPath = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-\(UUID().uuidString).log").path
        FileManager.default.createFile(atPath: self.logPath, contents: nil)
        self.process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        self.process.arguments = [ModelInstallerTests.fixtures + "/mirror_server.py", root, self.logPath] + options
        let output = Pipe()
        self.process.standardOutput = output
        try self.process.run()

        // the first line is the port
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        try #require(port > 0, "mirror server printed no port")
        self.baseURL = URL(string: "http://127.0.0.1:\(port)")!
    }

    /// Returns the logged requests as "NAME RANGE" lines.
    func requests() throws -> [String] {
        let text = try String(contentsOfFile: self.logPath, encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    func stop() {
        // SIGKILL, because the test process hands its blocked signals down to the child
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: self.logPath)
    }
}
