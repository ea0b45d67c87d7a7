import Foundation
import HTTPServer
import JumperCore
import Testing

@testable import API

@Suite struct LicenseKeyTests {
    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "jumper-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func readsKeysFromEnvironment() throws {
        let store = try LicenseKeyStore.load(
            dataDirectory: try self.temporaryFolder(),
            environment: ["JUMPER_LICENSE_KEYS": "alpha:pro, beta:basic"],
            logger: Logger(label: "test", sink: MemoryLogSink())
        )
        #expect(store.tier(of: "alpha") == .pro)
        #expect(store.tier(of: "beta") == .basic)
        #expect(store.tier(of: "alph") == nil)
        #expect(store.tier(of: "alphaa") == nil)
    }

    @Test func generatesOwnerOnlyProKey() throws {
        let folder = try self.temporaryFolder()
        let sink = MemoryLogSink()
        let store = try LicenseKeyStore.load(dataDirectory: folder, environment: [:], logger: Logger(label: "test", sink: sink))
        let path = LicenseKeyStore.keysFilePath(dataDirectory: folder)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { !$0.hasPrefix("#") })
        let key = String(line.dropLast(":pro".count))
        #expect(key.count == 32)
        #expect(store.tier(of: key) == .pro)
        #expect(sink.records.contains { $0.metadata["keys.file"] == path })
        #expect(!sink.records.contains { formatLogLine($0).contains(key) })

        let reloaded = try LicenseKeyStore.load(dataDirectory: folder, environment: [:], logger: Logger(label: "test", sink: sink))
        #expect(reloaded.tier(of: key) == .pro)
        #expect(reloaded.count == 1)
    }

    @Test func rejectsMalformedEntry() throws {
        #expect(throws: ConfigurationError.self) {
            try LicenseKeyStore.load(
                dataDirectory: try self.temporaryFolder(),
                environment: ["JUMPER_LICENSE_KEYS": "secret:gold"],
                logger: Logger(label: "test", sink: MemoryLogSink())
            )
        }
    }

    @Test func malformedEntryErrorHidesKey() throws {
        do {
            _ = try LicenseKeyStore.load(
                dataDirectory: try self.temporaryFolder(),
                environment: ["JUMPER_LICENSE_KEYS": "secret-value"],
                logger: Logger(label: "test", sink: MemoryLogSink())
            )
            Issue.record("a key without a tier was accepted")
        } catch {
            #expect(!String(describing: error).contains("secret-value"))
        }
    }

    @Test func rejectsConflictingTiers() throws {
        #expect(throws: ConfigurationError.self) {
            try LicenseKeyStore.load(
                dataDirectory: try self.temporaryFolder(),
                environment: ["JUMPER_LICENSE_KEYS": "same:pro,same:basic"],
                logger: Logger(label: "test", sink: MemoryLogSink())
            )
        }
    }

    @Test func invalidLineIsNamedByNumber() throws {
        let folder = try self.temporaryFolder()
        let text = "# comment\ngood:pro\nbroken-line\n"
        try text.write(toFile: LicenseKeyStore.keysFilePath(dataDirectory: folder), atomically: true, encoding: .utf8)
        do {
            _ = try LicenseKeyStore.load(dataDirectory: folder, environment: [:], logger: Logger(label: "test", sink: MemoryLogSink()))
            Issue.record("a line without a tier was accepted")
        } catch {
            #expect(String(describing: error).contains("entry 3"))
        }
    }

    @Test func generatedKeyKeepsComments() throws {
        let folder = try self.temporaryFolder()
        let path = LicenseKeyStore.keysFilePath(dataDirectory: folder)
        try "# my notes about keys\n".write(toFile: path, atomically: true, encoding: .utf8)
        _ = try LicenseKeyStore.load(dataDirectory: folder, environment: [:], logger: Logger(label: "test", sink: MemoryLogSink()))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# my notes about keys\n"))
        #expect(text.contains(":pro"))
    }

    @Test(arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("a", "", false)])
    func comparesInConstantTime(_ left: String, _ right: String, _ equal: Bool) {
        #expect(constantTimeEqual(Array(left.utf8), Array(right.utf8)) == equal)
    }
}

@Suite struct AuthenticatorTests {
    private let authenticator = Authenticator(keys: LicenseKeyStore(entries: [("pro-key", .pro), ("basic-key", .basic)]))

    private func request(header: String?, body: String = "") -> HTTPRequest {
        HTTPRequest(
            method: "POST",
            path: "/api/v1/search/text",
            headers: header.map { ["x-license-key": $0] } ?? [:],
            body: Array(body.utf8)
        )
    }

    @Test func missingKeyIs401() throws {
        let request = self.request(header: nil)
        let response = try #require(self.authenticator.reject(request, fields: try RequestFields(request: request)))
        #expect(response.status == 401)
        let body = try JSON.parse(response.body)
        #expect(body["error"]?.stringValue == "Authentication required")
    }

    @Test func basicKeyIs403() throws {
        let request = self.request(header: "basic-key")
        let response = try #require(self.authenticator.reject(request, fields: try RequestFields(request: request)))
        #expect(response.status == 403)
        #expect(try JSON.parse(response.body)["error"]?.stringValue == "Jumper Pro license required")
    }

    @Test func bodyKeyIsAccepted() throws {
        let request = self.request(header: nil, body: #"{"license_key": "pro-key"}"#)
        #expect(self.authenticator.reject(request, fields: try RequestFields(request: request)) == nil)
    }

    @Test func headerKeyIsAccepted() throws {
        let request = self.request(header: "pro-key")
        #expect(self.authenticator.reject(request, fields: try RequestFields(request: request)) == nil)
    }
}
