/// Settings of an ``HTTPServer``, passed to civetweb when the server starts.
public struct HTTPServerConfiguration: Sendable {
    /// The IPv4 address to listen on. Debian's civetweb 1.15 is built without IPv6.
    public var host: String
    /// The TCP port to listen on. 0 picks a free port, which ``HTTPServer/port`` then reports.
    public var port: Int
    /// The number of civetweb worker threads, which is the maximum number of open connections.
    ///
    /// civetweb serves each connection on one thread for as long as it stays open: an idle
    /// keep-alive connection, a parked long poll and a WebSocket each hold a thread. In
    /// measurements with civetweb 1.15, 16 threads stalled 40 long-polling Socket.IO clients
    /// and 512 threads served 200 clients per transport at 45 MB resident. The default of 1024
    /// leaves room for several hundred Socket.IO clients or stalled connections plus API calls.
    /// When every thread is busy, new connections wait in civetweb's queue.
    public var workerThreads: Int
    /// The largest request body read into memory. A larger body gets a 413 response.
    public var maxRequestBodyBytes: Int
    /// The time allowed for each network read or write of a request, in milliseconds, so a
    /// stalled client releases its thread. Clients are local, so 10 s is generous.
    public var requestTimeoutMilliseconds: Int
    /// How long an idle keep-alive connection stays open waiting for the next request.
    public var keepAliveTimeoutMilliseconds: Int
    /// The read timeout of a WebSocket worker, in milliseconds. A WebSocket stays open across
    /// timeouts: each timeout only lets the worker notice a close request or a server stop.
    public var webSocketPollMilliseconds: Int
    /// The length of the kernel's queue of connections not yet accepted.
    public var listenBacklog: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 6699,
        workerThreads: Int = 1024,
        maxRequestBodyBytes: Int = 64 * 1024 * 1024,
        requestTimeoutMilliseconds: Int = 10_000,
        keepAliveTimeoutMilliseconds: Int = 5_000,
        webSocketPollMilliseconds: Int = 1_000,
        listenBacklog: Int = 512
    ) {
        self.host = host
        self.port = port
        self.workerThreads = workerThreads
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.keepAliveTimeoutMilliseconds = keepAliveTimeoutMilliseconds
        self.webSocketPollMilliseconds = webSocketPollMilliseconds
        self.listenBacklog = listenBacklog
    }
}

/// An error raised when the HTTP server cannot start.
public enum HTTPServerError: Error, CustomStringConvertible, Sendable {
    /// civetweb could not listen on `host:port`, usually because another process uses the port.
    case cannotListen(host: String, port: Int, reason: String)
    /// A configuration value is outside the range civetweb accepts.
    case invalidConfiguration(name: String, value: String, reason: String)
    /// ``HTTPServer/start()`` was called on a server that is already running.
    case alreadyRunning

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            "cannot listen on '\(host):\(port)': \(reason). Stop the process using that port or choose another port."
        case .invalidConfiguration(let name, let value, let reason):
            "invalid HTTP server setting \(name) '\(value)': \(reason)"
        case .alreadyRunning:
            "the HTTP server is already running; call stop() before starting it again"
        }
    }
}
