import Foundation
import HTTPServer
import JumperCore
import Testing

/// Starts a server on a free port with a router like the API's and stops it after `body`.
private func withTestServer(
    configuration: HTTPServerConfiguration = .init(port: 0, workerThreads: 64),
    sink: MemoryLogSink = MemoryLogSink(),
    _ body: (HTTPServer) async throws -> Void
) async throws {
    let logger = Logger(label: "http-test", minimumLevel: .debug, sink: sink)
    let server = HTTPServer(configuration: configuration, logger: logger)
    var router = Router { error, _ in
        .error(status: 500, title: "Internal server error", message: "\(error)")
    }
    router.add("GET", "/api/v1/health") { _, _ in .json(["status": "ok"]) }
    router.add("GET", "/api/v1/watch-folders/{id}") { _, parameters in
        .json(["id": .string(parameters["id"] ?? "")])
    }
    router.add("POST", "/api/v1/echo") { request, _ in
        let parsed = try JSON.parse(request.body)
        return .json(["received": parsed, "bytes": .number(Double(request.body.count))])
    }
    router.add("GET", "/api/v1/whoami") { request, _ in
        .json(["request_id": .string(request.requestID), "query": .object(JSONObject(request.query))])
    }
    router.add("GET", "/api/v1/slow") { _, _ in
        try await Task.sleep(for: .milliseconds(300))
        return .json(["slow": true])
    }
    let finishedRouter = router
    server.setRequestHandler { request in await finishedRouter.handle(request) }
    server.addBlockingHandler(pathPrefix: "/blocking/") { request in
        Thread.sleep(forTimeInterval: 0.05)
        return .text("blocking \(request.path)")
    }
    try server.start()
    let result = await Result(catching: { try await body(server) })
    // stop() blocks for about 2 s while civetweb's threads finish, so it runs off the pool.
    _ = try await onThread { server.stop() }
    try result.get()
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

extension JSONObject {
    fileprivate init(_ dictionary: [String: String]) {
        self.init()
        for key in dictionary.keys.sorted() {
            self[key] = .string(dictionary[key]!)
        }
    }
}

@Test func serverRoutesPathParameters() async throws {
    try await withTestServer { server in
        let response = try await request(port: server.port, method: "GET", path: "/api/v1/watch-folders/abc-12")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(try JSON.parse(response.body)["id"] == "abc-12")
    }
}

@Test func serverAnswers404And405AsJSON() async throws {
    try await withTestServer { server in
        let missing = try await request(port: server.port, method: "GET", path: "/api/v1/missing")
        #expect(missing.status == 404)
        #expect(try JSON.parse(missing.body)["error"] == "Not found")

        let wrongMethod = try await request(port: server.port, method: "DELETE", path: "/api/v1/health")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET, HEAD")
    }
}

@Test func serverReadsJSONBody() async throws {
    try await withTestServer { server in
        let body = Array(#"{"media_paths":["/a b.mp4"],"n":3}"#.utf8)
        let response = try await request(
            port: server.port, method: "POST", path: "/api/v1/echo",
            headers: ["Content-Type": "application/json"], body: body
        )
        #expect(response.status == 200)
        let json = try JSON.parse(response.body)
        #expect(json["received"]?["n"] == 3)
        #expect(json["received"]?["media_paths"]?.arrayValue?.first == "/a b.mp4")
    }
}

@Test func serverDecodesQueryAndPath() async throws {
    try await withTestServer { server in
        let response = try await request(port: server.port, method: "GET", path: "/api/v1/whoami?name=a%20b&x=1+2")
        let json = try JSON.parse(response.body)
        #expect(json["query"]?["name"] == "a b")
        #expect(json["query"]?["x"] == "1 2")
    }
}

@Test func serverAddsRequestIDHeader() async throws {
    try await withTestServer { server in
        let response = try await request(port: server.port, method: "GET", path: "/api/v1/whoami")
        let headerID = try #require(response.headers["x-request-id"])
        #expect(headerID.count == 12)
        #expect(try JSON.parse(response.body)["request_id"]?.stringValue == headerID)
    }
}

@Test func serverRejectsDeclaredOversizedBodyUnread() async throws {
    let configuration = HTTPServerConfiguration(port: 0, workerThreads: 16, maxRequestBodyBytes: 1024)
    try await withTestServer(configuration: configuration) { server in
        // Only the head is sent: a server that tried to read the declared 100 MB would stall.
        let port = server.port
        let (response, closed) = try await onThread {
            let client = try RawHTTPClient(port: port, receiveTimeoutSeconds: 5)
            try client.send(
                "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000000\r\n\r\n"
            )
            return (try client.readResponse(), client.isClosedByServer())
        }
        #expect(response.status == 413)
        let json = try JSON.parse(response.body)
        #expect(json["error"] == "Payload too large")
        #expect(json["message"]?.stringValue?.contains("1024 bytes") == true)
        #expect(response.headers["connection"] == "close")
        #expect(closed)
    }
}

@Test func serverReadsChunkedBodyAndLimitsIt() async throws {
    let configuration = HTTPServerConfiguration(port: 0, workerThreads: 16, maxRequestBodyBytes: 64)
    try await withTestServer(configuration: configuration) { server in
        let port = server.port
        let smallResponse = try await onThread {
            let small = try RawHTTPClient(port: port)
            try small.send(
                "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\n{\"a\":\r\n3\r\n12}\r\n0\r\n\r\n"
            )
            return try small.readResponse()
        }
        #expect(smallResponse.status == 200)
        #expect(try JSON.parse(smallResponse.body)["received"]?["a"] == 12)

        let largeResponse = try await onThread {
            let large = try RawHTTPClient(port: port)
            let chunk = String(repeating: "x", count: 50)
            try large.send(
                "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "32\r\n\(chunk)\r\n32\r\n\(chunk)\r\n0\r\n\r\n"
            )
            return try large.readResponse()
        }
        #expect(largeResponse.status == 413)
        #expect(try JSON.parse(largeResponse.body)["error"] == "Payload too large")
    }
}

@Test func serverSendsContinueBeforeReadingBody() async throws {
    try await withTestServer { server in
        let port = server.port
        let (interim, final) = try await onThread {
            let client = try RawHTTPClient(port: port, receiveTimeoutSeconds: 5)
            let body = "{\"n\":\"" + String(repeating: "a", count: 2000) + "\"}"
            try client.send(
                "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            )
            // A client such as curl waits for the interim response before it sends the body.
            let interim = try client.readResponseHead()
            try client.send(body)
            return (interim, try client.readResponse())
        }
        #expect(interim.status == 100)
        #expect(final.status == 200)
        #expect(try JSON.parse(final.body)["bytes"] == 2008)
    }
}

@Test func serverKeepsConnectionAlive() async throws {
    try await withTestServer { server in
        let port = server.port
        let (responses, last, closed) = try await onThread {
            let client = try RawHTTPClient(port: port)
            var responses: [RawResponse] = []
            for index in 0..<5 {
                try client.send("GET /api/v1/watch-folders/\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                responses.append(try client.readResponse())
            }
            try client.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let last = try client.readResponse()
            return (responses, last, client.isClosedByServer())
        }
        for (index, response) in responses.enumerated() {
            #expect(response.status == 200)
            #expect(response.headers["connection"] == "keep-alive")
            #expect(try JSON.parse(response.body)["id"]?.stringValue == String(index))
        }
        #expect(Set(responses.map { $0.headers["x-request-id"] ?? "" }).count == 5)
        #expect(last.headers["connection"] == "close")
        #expect(closed)
    }
}

@Test func serverHandlesConcurrentRequests() async throws {
    try await withTestServer { server in
        let port = server.port
        let started = Date()
        // Blocking socket clients run on their own threads: on the cooperative pool they would
        // occupy the threads that the server's async handlers need.
        let statuses = await runOnThreads(count: 40) {
            (try? rawRequest(port: port, method: "GET", path: "/api/v1/slow").status) ?? -1
        }
        #expect(statuses.count == 40)
        #expect(statuses.allSatisfy { $0 == 200 })
        // 40 requests of 300 ms each finish far sooner than one after another (12 s).
        #expect(Date().timeIntervalSince(started) < 6)
    }
}

@Test func serverRunsBlockingHandlersOnWorkerThread() async throws {
    try await withTestServer { server in
        let response = try await request(port: server.port, method: "GET", path: "/blocking/park?x=1")
        #expect(response.status == 200)
        #expect(response.bodyText == "blocking /blocking/park")
        #expect(response.headers["content-type"] == "text/plain; charset=UTF-8")
    }
}

@Test func serverAnswersHeadWithoutBody() async throws {
    try await withTestServer { server in
        let port = server.port
        let (head, next) = try await onThread {
            let client = try RawHTTPClient(port: port)
            try client.send("HEAD /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            try client.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            // The HEAD response declares the GET body's length but carries no body, so only
            // its head is read before the next response.
            return (try client.readResponseHead(), try client.readResponse())
        }
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "15")
        #expect(next.bodyText == #"{"status":"ok"}"#)
    }
}

@Test func serverLogsRequestsWithoutHeaderValues() async throws {
    let sink = MemoryLogSink()
    try await withTestServer(sink: sink) { server in
        _ = try await request(
            port: server.port, method: "GET", path: "/api/v1/health",
            headers: ["X-License-Key": "secret-license-value"]
        )
    }
    let records = sink.records.filter { $0.message == "request handled" }
    let record = try #require(records.first)
    #expect(record.level == .debug)
    #expect(record.metadata["http.method"] == "GET")
    #expect(record.metadata["http.path"] == "/api/v1/health")
    #expect(record.metadata["http.status"] == "200")
    #expect(record.metadata["request.id"]?.count == 12)
    let everything = sink.records.map { formatLogLine($0) }.joined(separator: "\n")
    #expect(!everything.contains("secret-license-value"))
}

@Test func startFailsClearlyWhenPortIsBusy() async throws {
    try await withTestServer { server in
        let second = HTTPServer(
            configuration: .init(port: server.port, workerThreads: 4),
            logger: Logger(label: "second", sink: MemoryLogSink())
        )
        #expect {
            try second.start()
        } throws: { error in
            "\(error)".contains("127.0.0.1:\(server.port)")
        }
    }
}

/// Runs `body` on `count` new threads at once and returns the results in order.
func runOnThreads<T: Sendable>(count: Int, _ body: @escaping @Sendable () -> T) async -> [T] {
    await withCheckedContinuation { continuation in
        let results = ResultCollector<T>(count: count)
        for index in 0..<count {
            Thread.detachNewThread {
                if results.store(body(), at: index) {
                    continuation.resume(returning: results.values)
                }
            }
        }
    }
}

/// Collects one result per thread; returns true from `store` for the last arriving result.
final class ResultCollector<T: Sendable>: @unchecked Sendable {
    // The lock protects `slots` and `remaining`.
    private let lock = NSLock()
    private var slots: [T?]
    private var remaining: Int

    init(count: Int) {
        self.slots = Array(repeating: nil, count: count)
        self.remaining = count
    }

    func store(_ value: T, at index: Int) -> Bool {
        self.lock.withLock {
            self.slots[index] = value
            self.remaining -= 1
            return self.remaining == 0
        }
    }

    var values: [T] {
        self.lock.withLock { self.slots.map { $0! } }
    }
}

@Test func serverAnswersMalformedRequestAsJSON() async throws {
    try await withTestServer { server in
        let port = server.port
        let response = try await onThread {
            let client = try RawHTTPClient(port: port, receiveTimeoutSeconds: 5)
            try client.send("GARBAGE\r\n\r\n")
            return try client.readResponse()
        }
        #expect(response.status == 400)
        let json = try JSON.parse(response.body)
        #expect(json["error"] == "Bad Request")
        #expect(json["message"]?.stringValue?.contains("could not read the request") == true)
        #expect(response.headers["connection"] == "close")
    }
}

@Test func serverAnswersWhileManyConnectionsStall() async throws {
    try await withTestServer(configuration: HTTPServerConfiguration(port: 0)) { server in
        let port = server.port
        let status = try await onThread {
            // Each stalled client occupies a worker thread until its request times out.
            let stalled = try (0..<300).map { _ in
                let client = try RawHTTPClient(port: port)
                try client.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
                return client
            }
            let client = try RawHTTPClient(port: port, receiveTimeoutSeconds: 5)
            try client.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = try client.readResponse()
            withExtendedLifetime(stalled) {}
            return response.status
        }
        #expect(status == 200)
    }
}
