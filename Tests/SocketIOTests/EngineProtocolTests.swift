import Foundation
import HTTPServer
import JumperCore
import SocketIO
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A plain HTTP exchange with the Engine.IO polling endpoint through URLSession.
private struct PollingResponse {
    let status: Int
    let body: String
    let headers: [String: String]

    var packets: [String] {
        self.body.split(separator: "\u{1E}", omittingEmptySubsequences: false).map(String.init)
    }
}

private func send(
    _ method: String,
    port: Int,
    query: String,
    body: String? = nil,
    headers: [String: String] = [:]
) async throws -> PollingResponse {
    let url = try #require(URL(string: "http://127.0.0.1:\(port)/socket.io/?\(query)"))
    var request = URLRequest(url: url)
    request.httpMethod = method
    request.timeoutInterval = 30
    for (name, value) in headers {
        request.setValue(value, forHTTPHeaderField: name)
    }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("text/plain;charset=UTF-8", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    var lowerCased: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
        lowerCased["\(name)".lowercased()] = "\(value)"
    }
    return PollingResponse(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: lowerCased)
}

/// Starts HTTP and Socket.IO servers, runs `body` and stops them off the cooperative pool.
private func withSocketIOServer(
    _ configuration: SocketIOConfiguration,
    _ body: (HTTPServer, SocketIOServer) async throws -> Void
) async throws {
    let logger = Logger(label: "engine-test", minimumLevel: .info, sink: MemoryLogSink())
    let http = HTTPServer(configuration: .init(port: 0, workerThreads: 32), logger: logger)
    let socketIO = SocketIOServer(logger: logger, configuration: configuration)
    socketIO.attach(to: http)
    try http.start()
    var failure: (any Error)?
    do {
        try await body(http, socketIO)
    } catch {
        failure = error
    }
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            http.stop()
            continuation.resume()
        }
    }
    if let failure { throw failure }
}

/// Opens a polling session and connects it to the main namespace; returns the sid.
private func openConnectedSession(port: Int) async throws -> String {
    let handshake = try await send("GET", port: port, query: "EIO=4&transport=polling")
    #expect(handshake.status == 200)
    #expect(handshake.body.hasPrefix("0{"))
    let sid = try #require(try JSON.parse(String(handshake.body.dropFirst()))["sid"]?.stringValue)
    let posted = try await send("POST", port: port, query: "EIO=4&transport=polling&sid=\(sid)", body: "40")
    #expect(posted.body == "ok")
    // With a short ping interval a ping may come first in the same payload.
    let connected = try await send("GET", port: port, query: "EIO=4&transport=polling&sid=\(sid)")
    #expect(connected.packets.contains { $0.hasPrefix("40{\"sid\":") })
    if connected.packets.contains("2") {
        _ = try await send("POST", port: port, query: "EIO=4&transport=polling&sid=\(sid)", body: "3")
    }
    return sid
}

@Test func pollingCapsResponsesAtSixteenPackets() async throws {
    try await withSocketIOServer(.init(pingInterval: 25, pingTimeout: 20)) { http, socketIO in
        let port = http.port
        let sid = try await openConnectedSession(port: port)
        let query = "EIO=4&transport=polling&sid=\(sid)"
        _ = try await send("POST", port: port, query: query, body: #"42["join","room-a"]"#)
        #expect(socketIO.memberCount(ofRoom: "room-a") == 1)

        for index in 0..<20 {
            socketIO.emit("progress", ["progress": .number(Double(index))], toRoom: "room-a")
        }
        let first = try await send("GET", port: port, query: query)
        #expect(first.packets.count == 16)
        #expect(first.packets.first == #"42["progress",{"progress":0}]"#)
        let second = try await send("GET", port: port, query: query)
        #expect(second.packets.count == 4)
        #expect(second.packets.last == #"42["progress",{"progress":19}]"#)
    }
}

@Test func pollingRejectsUnknownSessionAndVersion() async throws {
    try await withSocketIOServer(.init()) { http, _ in
        let unknown = try await send("GET", port: http.port, query: "EIO=4&transport=polling&sid=nope")
        #expect(unknown.status == 400)
        #expect(try JSON.parse(unknown.body) == ["code": 1, "message": "Session ID unknown"])

        let oldVersion = try await send("GET", port: http.port, query: "EIO=3&transport=polling")
        #expect(oldVersion.status == 400)
        #expect(try JSON.parse(oldVersion.body)["code"] == 5)

        let badTransport = try await send("GET", port: http.port, query: "EIO=4&transport=carrier-pigeon")
        #expect(try JSON.parse(badTransport.body)["code"] == 0)
    }
}

@Test func missedPongClosesSession() async throws {
    try await withSocketIOServer(.init(pingInterval: 0.5, pingTimeout: 1.5)) { http, socketIO in
        let port = http.port
        let sid = try await openConnectedSession(port: port)
        let query = "EIO=4&transport=polling&sid=\(sid)"

        // Poll without sending a pong: a close packet or an unknown-session error ends it.
        var received: [String] = []
        var finalStatus = 200
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            let response = try await send("GET", port: port, query: query)
            finalStatus = response.status
            if response.status != 200 { break }
            received += response.packets
            if received.contains("1") { break }
        }
        #expect(received.contains("2"), "no ping arrived: \(received)")
        #expect(received.last == "1" || finalStatus == 400, "the session stayed open: \(received)")
        let gone = try await send("GET", port: port, query: query)
        #expect(gone.status == 400)
        #expect(socketIO.connectedClientCount == 0)
    }
}

@Test func pongKeepsSessionAlive() async throws {
    try await withSocketIOServer(.init(pingInterval: 0.5, pingTimeout: 1.5)) { http, socketIO in
        let port = http.port
        let sid = try await openConnectedSession(port: port)
        let query = "EIO=4&transport=polling&sid=\(sid)"

        var pings = 0
        let end = Date(timeIntervalSinceNow: 4)
        while Date() < end {
            let response = try await send("GET", port: port, query: query)
            try #require(response.status == 200, "the session ended after \(pings) pings: \(response.body)")
            try #require(!response.packets.contains("1"), "the server closed a session that answered pings")
            for packet in response.packets where packet == "2" {
                pings += 1
                _ = try await send("POST", port: port, query: query, body: "3")
            }
        }
        // 4 s at one ping 0.5 s after each pong: at least 3 pings even on a busy machine, and
        // more than the 2 s a session survives without a pong.
        #expect(pings >= 3)
        #expect(socketIO.connectedClientCount == 1)
    }
}

@Test func pollingSendsCORSHeaders() async throws {
    try await withSocketIOServer(.init()) { http, _ in
        let handshake = try await send(
            "GET", port: http.port, query: "EIO=4&transport=polling",
            headers: ["Origin": "http://panel.example"]
        )
        #expect(handshake.headers["access-control-allow-origin"] == "http://panel.example")
        #expect(handshake.headers["access-control-allow-credentials"] == "true")

        let preflight = try await send(
            "OPTIONS", port: http.port, query: "EIO=4&transport=polling",
            headers: ["Origin": "http://panel.example", "Access-Control-Request-Headers": "content-type"]
        )
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-methods"] == "GET, POST, OPTIONS")
    }
}

@Test func joinHandlerEventsFollowAck() async throws {
    try await withSocketIOServer(.init()) { http, socketIO in
        socketIO.setJoinHandler { room in
            [(event: "progress", payload: ["task_id": .string(room), "status": "completed"])]
        }
        let port = http.port
        let sid = try await openConnectedSession(port: port)
        let query = "EIO=4&transport=polling&sid=\(sid)"
        _ = try await send("POST", port: port, query: query, body: #"427["join",{"task_id":"t9"}]"#)
        let answer = try await send("GET", port: port, query: query)
        #expect(answer.packets == [
            #"437[{"status":"joined","room":"t9"}]"#,
            #"42["progress",{"task_id":"t9","status":"completed"}]"#,
        ])
    }
}
