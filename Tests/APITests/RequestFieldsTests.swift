import HTTPServer
import JumperCore
import Testing

@testable import API

@Suite struct RequestFieldsTests {
    private func fields(_ text: String) throws -> RequestFields {
        try RequestFields(request: HTTPRequest(method: "POST", path: "/", body: Array(text.utf8)))
    }

    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as APIError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func emptyBodyIsEmptyObject() throws {
        #expect(try self.fields("  ").object.count == 0)
    }

    @Test func invalidJSONIsBadRequest() {
        let text = self.message { _ = try self.fields("{nope") }
        #expect(text?.contains("not valid JSON") == true)
    }

    @Test func arrayBodyIsBadRequest() {
        let text = self.message { _ = try self.fields("[1]") }
        #expect(text?.contains("JSON array") == true)
    }

    @Test func relativePathNamesFieldAndValue() throws {
        let fields = try self.fields(#"{"media_paths": ["/ok.mp4", "clips/a.mp4"]}"#)
        let text = self.message { _ = try fields.absolutePaths("media_paths") }
        #expect(text?.contains("media_paths[1]") == true)
        #expect(text?.contains("clips/a.mp4") == true)
    }

    @Test func integerOutOfRangeNamesLimits() throws {
        let fields = try self.fields(#"{"max_results": 0}"#)
        let text = self.message { _ = try fields.int("max_results", default: 50, range: 1...1000) }
        #expect(text?.contains("between 1 and 1000") == true)
    }

    @Test func wrongTypeNamesField() throws {
        let fields = try self.fields(#"{"search_all": "yes"}"#)
        let text = self.message { _ = try fields.bool("search_all", default: false) }
        #expect(text?.contains("'search_all'") == true)
    }

    @Test func defaultsApplyToNull() throws {
        let fields = try self.fields(#"{"force": null, "max_results": null}"#)
        #expect(try fields.bool("force", default: true))
        #expect(try fields.int("max_results", default: 50, range: 1...1000) == 50)
    }

    @Test(arguments: [("12.5", 12.5), ("\"00:01:02.500\"", 62.5), ("\"00:00:03\"", 3.0)])
    func readsTimeFields(_ literal: String, _ expected: Double) throws {
        let fields = try self.fields("{\"t\": \(literal)}")
        #expect(try timeField(fields, "t", item: nil) == expected)
    }

    @Test func rejectsNegativeTime() throws {
        let fields = try self.fields(#"{"t": -1}"#)
        #expect(throws: APIError.self) { try timeField(fields, "t", item: nil) }
    }
}
