import Foundation
import HTTPServer
import JumperCore
import Testing

/// Measures requests per second with `wrk` against a live server. It runs only when the
/// environment variable JUMPER_HTTP_BENCHMARK is set, because the numbers depend on the
/// machine and the build configuration, and it prints wrk's report.
@Test(.enabled(if: ProcessInfo.processInfo.environment["JUMPER_HTTP_BENCHMARK"] != nil))
func healthThroughputWithWrk() async throws {
    let logger = Logger(label: "benchmark", minimumLevel: .info, sink: MemoryLogSink())
    let server = HTTPServer(configuration: .init(port: 0), logger: logger)
    var router = Router { error, _ in .error(status: 500, title: "Internal server error", message: "\(error)") }
    router.add("GET", "/api/v1/health") { _, _ in .json(["status": "ok"]) }
    let finishedRouter = router
    server.setRequestHandler { request in await finishedRouter.handle(request) }
    try server.start()

    let port = server.port
    let report = try await onThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        process.arguments = ["-t2", "-c50", "-d5s", "--latency", "http://127.0.0.1:\(port)/api/v1/health"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
    print(report)
    _ = try await onThread { server.stop() }
    #expect(report.contains("Requests/sec"))
    #expect(!report.contains("Non-2xx"))
}
