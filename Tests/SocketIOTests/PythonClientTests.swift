import Foundation
import HTTPServer
import JumperCore
import SocketIO
import Testing

/// The repository root, found from this file's path (Tests/SocketIOTests/<file>).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// The Python of the test virtual environment (python-socketio, websocket-client): the
/// JUMPER_TEST_PYTHON environment variable, else `.cache/venv` in this checkout, else the
/// one in /work/main that every worktree shares.
let pythonPath: String = {
    if let configured = ProcessInfo.processInfo.environment["JUMPER_TEST_PYTHON"] {
        return configured
    }
    let local = repositoryRoot.appendingPathComponent(".cache/venv/bin/python").path
    if FileManager.default.isExecutableFile(atPath: local) {
        return local
    }
    return "/work/main/.cache/venv/bin/python"
}()

/// A running HTTP server with Socket.IO attached, on a free port of 127.0.0.1.
private final class SocketIOTestServer: Sendable {
    let http: HTTPServer
    let socketIO: SocketIOServer

    init(pingInterval: Double = 1, pingTimeout: Double = 2, workerThreads: Int = 64) throws {
        let logger = Logger(label: "socketio-test", minimumLevel: .info)
        self.http = HTTPServer(configuration: .init(port: 0, workerThreads: workerThreads), logger: logger)
        self.socketIO = SocketIOServer(
            logger: logger,
            configuration: .init(pingInterval: pingInterval, pingTimeout: pingTimeout)
        )
        self.socketIO.setJoinHandler { room in
            guard room.hasPrefix("finished-") else { return [] }
            return [(event: "progress", payload: ["task_id": .string(room), "status": "completed"])]
        }
        self.socketIO.attach(to: self.http)
        try self.http.start()
    }

    func stop() async throws {
        // stop() blocks while civetweb's threads finish, so it runs off the cooperative pool.
        let http = self.http
        try await runOnThread { http.stop() }
    }
}

/// Runs blocking work on a new thread, keeping Swift's small cooperative pool free.
private func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// A python script started as a subprocess, with its output collected in a file.
private struct PythonScript {
    let process: Process
    let outputURL: URL

    init(_ script: String, arguments: [String]) throws {
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("socketio-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pythonPath)
        process.arguments = [repositoryRoot.appendingPathComponent("tests/socketio/\(script)").path] + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
        self.outputURL = outputURL
    }

    /// The output written so far.
    var output: String {
        (try? String(contentsOf: self.outputURL, encoding: .utf8)) ?? ""
    }

    /// Waits for the script to exit and returns its exit status and output.
    func finish(timeoutSeconds: Double) async throws -> (status: Int32, output: String) {
        let process = self.process
        let exited = try await runOnThread {
            let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
            while process.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                return false
            }
            return true
        }
        let output = (try? String(contentsOf: self.outputURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: self.outputURL)
        return (exited ? process.terminationStatus : -1, output)
    }
}

/// Waits until `condition` holds, checking every 50 ms; returns false after the timeout.
private func waitUntil(timeoutSeconds: Double, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    while Date() < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

@Test(.timeLimit(.minutes(2)), arguments: ["polling", "websocket", "upgrade"])
func pythonClientReceivesRoomEvents(mode: String) async throws {
    #expect(FileManager.default.isExecutableFile(atPath: pythonPath), "missing \(pythonPath); run scripts/install-python-env.sh")
    let server = try SocketIOTestServer()
    let script = try PythonScript("client_modes.py", arguments: [String(server.http.port), mode])

    let room = "task-\(mode)"
    let joined = try await waitUntil(timeoutSeconds: 30) { server.socketIO.memberCount(ofRoom: room) == 1 }
    #expect(joined, "the client never joined \(room)")
    for step in 1...3 {
        server.socketIO.emit("progress", ["task_id": .string(room), "progress": .number(Double(step))], toRoom: room)
    }
    server.socketIO.emit("progress", ["task_id": "other-room", "progress": 99], toRoom: "other-room")

    let result = try await script.finish(timeoutSeconds: 60)
    #expect(result.status == 0, "client_modes.py \(mode) failed:\n\(result.output)")
    #expect(result.output.contains("OK mode=\(mode)"), "client_modes.py \(mode) printed:\n\(result.output)")
    let disconnected = try await waitUntil(timeoutSeconds: 10) { server.socketIO.connectedClientCount == 0 }
    #expect(disconnected, "the session of the \(mode) client stayed connected")
    try await server.stop()
}

@Test(.timeLimit(.minutes(3)), arguments: ["default", "polling", "websocket"])
func hundredClientsReceiveBroadcast(transport: String) async throws {
    // The server's default of 256 worker threads must carry 100 clients of any transport.
    let server = try SocketIOTestServer(pingInterval: 5, pingTimeout: 10, workerThreads: 256)
    let count = 100
    var arguments = [String(server.http.port), String(count)]
    if transport != "default" {
        arguments.append(transport)
    }
    let script = try PythonScript("many_clients.py", arguments: arguments)

    let allJoined = try await waitUntil(timeoutSeconds: 90) {
        server.socketIO.memberCount(ofRoom: "broadcast") == count
    }
    #expect(allJoined, "only \(server.socketIO.memberCount(ofRoom: "broadcast")) of \(count) clients joined")
    server.socketIO.emit("progress", ["task_id": "broadcast", "progress": 100], toRoom: "broadcast")

    let result = try await script.finish(timeoutSeconds: 90)
    #expect(result.status == 0, "many_clients.py failed:\n\(result.output)")
    #expect(result.output.contains("OK \(count) clients"), "many_clients.py printed:\n\(result.output)")
    print("many_clients.py \(transport): \(result.output)")
    try await server.stop()
}

@Test(.timeLimit(.minutes(1)))
func webSocketAnswersPingAndJoinsFragments() async throws {
    let server = try SocketIOTestServer()
    let script = try PythonScript("websocket_frames.py", arguments: [String(server.http.port)])
    let result = try await script.finish(timeoutSeconds: 30)
    #expect(result.status == 0, "websocket_frames.py failed:\n\(result.output)")
    #expect(result.output.contains("OK ping, pong and fragments"), "websocket_frames.py printed:\n\(result.output)")
    try await server.stop()
}

@Test(.timeLimit(.minutes(1)))
func silentWebSocketIsClosedAfterPingTimeout() async throws {
    let server = try SocketIOTestServer(pingInterval: 1, pingTimeout: 2)
    let script = try PythonScript("server_close.py", arguments: [String(server.http.port), "silent"])
    let result = try await script.finish(timeoutSeconds: 30)
    #expect(result.status == 0, "server_close.py silent failed:\n\(result.output)")
    #expect(result.output.contains("OK closed by the server"), "server_close.py printed:\n\(result.output)")
    #expect(server.socketIO.connectedClientCount == 0)
    try await server.stop()
}

@Test(.timeLimit(.minutes(1)))
func stopClosesOpenWebSockets() async throws {
    let server = try SocketIOTestServer(pingInterval: 25, pingTimeout: 20)
    let script = try PythonScript("server_close.py", arguments: [String(server.http.port), "shutdown"])
    // Waiting for the script's output, not the server's count, ensures the CONNECT reply
    // reached the client before the stop drops whatever is still queued.
    let connected = try await waitUntil(timeoutSeconds: 20) { script.output.contains("CONNECTED") }
    #expect(connected, "the WebSocket client never connected")
    #expect(server.socketIO.connectedClientCount == 1)

    let started = Date()
    try await server.stop()
    // civetweb's stop takes about 2 s; the WebSocket worker adds at most its 1 s read timeout.
    #expect(Date().timeIntervalSince(started) < 6)
    let result = try await script.finish(timeoutSeconds: 20)
    #expect(result.status == 0, "server_close.py shutdown failed:\n\(result.output)")
    #expect(result.output.contains("OK closed by the server"), "server_close.py printed:\n\(result.output)")
}

@Test(.timeLimit(.minutes(1)))
func upgradeReleasesParkedPoll() async throws {
    let server = try SocketIOTestServer(pingInterval: 25, pingTimeout: 20)
    let script = try PythonScript("upgrade_with_parked_poll.py", arguments: [String(server.http.port)])
    let result = try await script.finish(timeoutSeconds: 40)
    #expect(result.status == 0, "upgrade_with_parked_poll.py failed:\n\(result.output)")
    #expect(result.output.contains("OK upgraded"), "upgrade_with_parked_poll.py printed:\n\(result.output)")
    try await server.stop()
}
