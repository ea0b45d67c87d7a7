import HTTPServer
import JumperCore
import Testing

/// An error a handler throws so the tests can check the router's error mapping.
private struct LookupError: Error {
    let identifier: String
}

private func makeRouter() -> Router {
    var router = Router { error, request in
        if let lookup = error as? LookupError {
            return .error(status: 404, title: "Not found", message: "No item '\(lookup.identifier)'")
        }
        return .error(status: 500, title: "Internal server error", message: "request \(request.requestID)")
    }
    router.add("GET", "/api/v1/watch-folders") { _, _ in .json(["route": "list"]) }
    router.add("POST", "/api/v1/watch-folders") { _, _ in .json(["route": "create"], status: 201) }
    router.add("GET", "/api/v1/watch-folders/{id}") { _, parameters in
        .json(["route": "one", "id": .string(parameters["id"] ?? "")])
    }
    router.add("DELETE", "/api/v1/watch-folders/{id}") { _, parameters in
        throw LookupError(identifier: parameters["id"] ?? "")
    }
    router.add("GET", "/api/v1/watch-folders/status") { _, _ in .json(["route": "status"]) }
    router.add("GET", "/api/v1/items/{kind}/{name}") { _, parameters in
        .json(["kind": .string(parameters["kind"] ?? ""), "name": .string(parameters["name"] ?? "")])
    }
    return router
}

private func bodyJSON(_ response: HTTPResponse) throws -> JSON {
    try JSON.parse(response.body)
}

@Test func routerCapturesPathParameter() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "GET", path: "/api/v1/watch-folders/7"))
    #expect(response.status == 200)
    #expect(try bodyJSON(response)["id"] == "7")
}

@Test func routerPrefersLiteralOverCapture() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "GET", path: "/api/v1/watch-folders/status"))
    #expect(try bodyJSON(response)["route"] == "status")
}

@Test func routerDecodesEachSegmentAfterSplitting() async throws {
    let request = HTTPRequest(
        method: "GET",
        path: "/api/v1/items/a/b c/d",
        rawPath: "/api/v1/items/a%2Fb%20c/d"
    )
    let response = await makeRouter().handle(request)
    #expect(response.status == 200)
    #expect(try bodyJSON(response)["kind"] == "a/b c")
    #expect(try bodyJSON(response)["name"] == "d")
}

@Test func routerIgnoresTrailingSlash() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "GET", path: "/api/v1/watch-folders/"))
    #expect(try bodyJSON(response)["route"] == "list")
}

@Test func routerReturns404ForUnknownPath() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "GET", path: "/api/v1/nothing"))
    #expect(response.status == 404)
    let body = try bodyJSON(response)
    #expect(body["error"] == "Not found")
    #expect(body["message"]?.stringValue?.contains("No endpoint GET /api/v1/nothing") == true)
}

@Test func routerReturns405WithAllowHeader() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "PATCH", path: "/api/v1/watch-folders"))
    #expect(response.status == 405)
    #expect(response.header("allow") == "GET, POST, HEAD")
    #expect(try bodyJSON(response)["error"] == "Method not allowed")
}

@Test func routerFallsBackFromHeadToGet() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "HEAD", path: "/api/v1/watch-folders"))
    #expect(response.status == 200)
}

@Test func routerMapsThrownErrorsThroughMapper() async throws {
    let response = await makeRouter().handle(HTTPRequest(method: "DELETE", path: "/api/v1/watch-folders/99"))
    #expect(response.status == 404)
    #expect(try bodyJSON(response)["message"] == "No item '99'")
}

@Test(arguments: [
    ("a=1&b=two", ["a": "1", "b": "two"]),
    ("q=hello+world%21", ["q": "hello world!"]),
    ("flag&x=", ["flag": "", "x": ""]),
    ("bad=%zz", ["bad": "%zz"]),
    ("k=%E2%9C%93", ["k": "✓"]),
])
func queryParsingDecodesValues(query: String, expected: [String: String]) {
    #expect(HTTPRequest.parseQuery(query) == expected)
}

@Test func requestHeaderLookupIgnoresCase() {
    let request = HTTPRequest(method: "GET", path: "/", headers: ["X-License-Key": "abc"])
    #expect(request.header("x-license-key") == "abc")
    #expect(request.header("X-LICENSE-KEY") == "abc")
    #expect(request.headers["x-license-key"] == "abc")
}

@Test func requestIDsAreTwelveHexDigits() {
    let identifiers = (0..<1000).map { _ in HTTPRequest.makeRequestID() }
    #expect(Set(identifiers).count == 1000)
    #expect(identifiers.allSatisfy { $0.count == 12 && $0.allSatisfy(\.isHexDigit) })
}
