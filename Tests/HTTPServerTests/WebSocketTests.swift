import Foundation
import HTTPServer
import JumperCore
import Testing

/// Echoes text, and on "burst N" sends N numbered messages from each of 4 threads at once.
private final class EchoHandler: WebSocketHandler, @unchecked Sendable {
    // The lock protects the counters.
    private let lock = NSLock()
    private var openedCount = 0
    private var closedCount = 0
    private var openedPath = ""

    func webSocketOpened(_ connection: WebSocketConnection, request: HTTPRequest) {
        self.lock.withLock {
            self.openedCount += 1
            self.openedPath = request.path
        }
    }

    func webSocketReceived(_ connection: WebSocketConnection, text: String) {
        guard text.hasPrefix("burst "), let count = Int(text.dropFirst(6)) else {
            connection.send(text: "echo:" + text)
            return
        }
        let padding = String(repeating: "x", count: 100)
        for thread in 0..<4 {
            Thread.detachNewThread {
                for number in 0..<count {
                    connection.send(text: "t\(thread)-\(number)-\(padding)")
                }
            }
        }
    }

    func webSocketClosed(_ connection: WebSocketConnection) {
        self.lock.withLock { self.closedCount += 1 }
    }

    var counts: (opened: Int, closed: Int, path: String) {
        self.lock.withLock { (self.openedCount, self.closedCount, self.openedPath) }
    }
}

@Test(.timeLimit(.minutes(1)))
func webSocketSendsAreSerialisedPerConnection() async throws {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let script = root.appendingPathComponent("tests/socketio/websocket_echo.py").path
    // The test virtual environment: JUMPER_TEST_PYTHON, this checkout's, or the shared one.
    let localPython = root.appendingPathComponent(".cache/venv/bin/python").path
    let python = ProcessInfo.processInfo.environment["JUMPER_TEST_PYTHON"]
        ?? (FileManager.default.isExecutableFile(atPath: localPython) ? localPython : "/work/main/.cache/venv/bin/python")
    let handler = EchoHandler()
    let server = HTTPServer(
        configuration: .init(port: 0, workerThreads: 16),
        logger: Logger(label: "ws-test", sink: MemoryLogSink())
    )
    server.addWebSocketHandler(path: "/echo", handler)
    try server.start()

    let port = server.port
    let (status, output) = try await onThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, String(port)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
    #expect(status == 0, "websocket_echo.py failed:\n\(output)")
    #expect(output.contains("OK 1000 concurrent messages intact"), "websocket_echo.py printed:\n\(output)")

    // The close callback follows the client's close frame on the worker thread.
    let deadline = Date(timeIntervalSinceNow: 5)
    while handler.counts.closed == 0 && Date() < deadline {
        try await Task.sleep(for: .milliseconds(50))
    }
    #expect(handler.counts.opened == 1)
    #expect(handler.counts.closed == 1)
    #expect(handler.counts.path == "/echo")
    _ = try await onThread { server.stop() }
}
