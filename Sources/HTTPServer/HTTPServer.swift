import CCivetweb
import CThreadStack
import Foundation
import JumperCore

/// An HTTP/1.1 and WebSocket server on civetweb 1.15.
///
/// civetweb runs each connection on one of its worker threads. Ordinary requests are
/// bridged into Swift concurrency: the worker thread waits while the async request handler
/// runs. Blocking handlers run directly on the worker thread and may park it (long polling).
/// Register every handler before ``start()``.
public final class HTTPServer: @unchecked Sendable {
    public typealias RequestHandler = @Sendable (HTTPRequest) async -> HTTPResponse
    public typealias BlockingHandler = @Sendable (HTTPRequest) -> HTTPResponse

    let configuration: HTTPServerConfiguration
    let logger: Logger

    // The lock protects every stored property below it. Handlers are read under the lock on
    // each request, so registering them after start() is safe but not recommended.
    private let lock = NSLock()
    private var context: OpaquePointer?
    private var boundPort: Int = 0
    private var requestHandler: RequestHandler
    private var blockingHandlers: [(prefix: String, handler: BlockingHandler)] = []
    private var webSocketRoutes: [WebSocketRoute] = []
    private var stopHooks: [@Sendable () -> Void] = []
    private var retainedSelf: Unmanaged<HTTPServer>?

    public init(configuration: HTTPServerConfiguration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.requestHandler = { request in
            HTTPResponse.error(
                status: 404,
                title: "Not found",
                message: "No endpoint \(request.method) \(request.path). No request handler is set."
            )
        }
    }

    deinit {
        self.stop()
    }

    // MARK: - Handlers

    /// Sets the async handler for every request that no blocking or WebSocket handler takes.
    public func setRequestHandler(_ handler: @escaping RequestHandler) {
        self.lock.withLock { self.requestHandler = handler }
    }

    /// Adds a handler that runs synchronously on the civetweb worker thread for every path that
    /// starts with `pathPrefix`. It may block, for example to park a long-polling request.
    public func addBlockingHandler(pathPrefix: String, _ handler: @escaping BlockingHandler) {
        self.lock.withLock { self.blockingHandlers.append((pathPrefix, handler)) }
    }

    /// Serves WebSocket upgrade requests for `path` (and paths below it) with `handler`.
    ///
    /// - Precondition: the server has not started yet, because civetweb takes WebSocket
    ///   routes when it starts.
    public func addWebSocketHandler(path: String, _ handler: any WebSocketHandler) {
        self.lock.withLock {
            precondition(self.context == nil, "add WebSocket handlers before starting the server")
            self.webSocketRoutes.append(WebSocketRoute(path: path, handler: handler, server: self))
        }
    }

    /// Adds a closure that ``stop()`` calls before it stops civetweb, so parked blocking
    /// handlers can return and let their worker threads finish.
    public func addStopHook(_ hook: @escaping @Sendable () -> Void) {
        self.lock.withLock { self.stopHooks.append(hook) }
    }

    /// The port the server listens on: the configured port, or the port the kernel picked
    /// when the configuration asked for port 0. 0 while the server is stopped.
    public var port: Int {
        self.lock.withLock { self.boundPort }
    }

    // MARK: - Lifecycle

    /// Starts listening and serving.
    ///
    /// - Throws: ``HTTPServerError/cannotListen(host:port:reason:)`` when the port is busy or
    ///   the address is not local, ``HTTPServerError/invalidConfiguration(name:value:reason:)``
    ///   for an out-of-range setting.
    public func start() throws {
        try self.validateConfiguration()
        self.lock.lock()
        defer { self.lock.unlock() }
        guard self.context == nil else { throw HTTPServerError.alreadyRunning }

        let options = self.civetwebOptions()
        let retained = Unmanaged.passRetained(self)
        var errorCode: UInt32 = 0
        var errorText = [CChar](repeating: 0, count: 256)
        let context = withCStringArray(options) { optionPointers in
            errorText.withUnsafeMutableBufferPointer { textBuffer in
                withUnsafeMutablePointer(to: &errorCode) { codePointer in
                    var callbacks = makeCivetwebCallbacks()
                    return withUnsafePointer(to: &callbacks) { callbacksPointer in
                        var initData = mg_init_data(
                            callbacks: callbacksPointer,
                            user_data: retained.toOpaque(),
                            configuration_options: optionPointers
                        )
                        var errorData = mg_error_data(
                            code: codePointer,
                            text: textBuffer.baseAddress,
                            text_buffer_size: textBuffer.count
                        )
                        return mg_start2(&initData, &errorData)
                    }
                }
            }
        }
        guard let context else {
            retained.release()
            let reason = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw HTTPServerError.cannotListen(
                host: self.configuration.host,
                port: self.configuration.port,
                reason: reason.isEmpty ? "civetweb error \(errorCode)" : reason
            )
        }
        self.context = context
        self.retainedSelf = retained
        self.boundPort = readBoundPort(context) ?? self.configuration.port
        for route in self.webSocketRoutes {
            route.register(in: context)
        }
        self.logger.info(
            "HTTP server listening",
            [
                "http.host": self.configuration.host,
                "http.port": String(self.boundPort),
                // The worker stack floor that CThreadStack enforces on civetweb's threads.
                "thread.min_stack_bytes": String(cthreadstack_minimum_size()),
            ]
        )
    }

    /// Stops accepting connections, runs the stop hooks and waits until every worker thread
    /// has finished. Safe to call more than once.
    ///
    /// The call blocks for about 2 s (measured with Debian's civetweb 1.15, even with no open
    /// connection) plus the time open requests need to finish. From async code, call it off
    /// the cooperative pool.
    public func stop() {
        let hooks = self.lock.withLock { self.context == nil ? [] : self.stopHooks }
        for hook in hooks {
            hook()
        }
        let (context, retained) = self.lock.withLock {
            let taken = (self.context, self.retainedSelf)
            self.context = nil
            self.retainedSelf = nil
            return taken
        }
        guard let context else { return }
        mg_stop(context)
        self.lock.withLock { self.boundPort = 0 }
        self.logger.info("HTTP server stopped", ["http.port": String(self.configuration.port)])
        retained?.release()
    }

    // MARK: - Dispatch, called from the civetweb callbacks

    /// Returns the blocking handler for `path`, if one is registered.
    func blockingHandler(for path: String) -> BlockingHandler? {
        self.lock.withLock {
            self.blockingHandlers.first { path.hasPrefix($0.prefix) }?.handler
        }
    }

    func currentRequestHandler() -> RequestHandler {
        self.lock.withLock { self.requestHandler }
    }

    /// Returns whether a WebSocket route serves `path`, using civetweb's matching: the exact path or
    /// a path below it.
    func hasWebSocketRoute(for path: String) -> Bool {
        self.lock.withLock {
            self.webSocketRoutes.contains { $0.matches(path) }
        }
    }

    // MARK: - Options

    private func validateConfiguration() throws {
        let configuration = self.configuration
        guard (0...65535).contains(configuration.port) else {
            throw HTTPServerError.invalidConfiguration(
                name: "port", value: String(configuration.port), reason: "use 0-65535"
            )
        }
        guard configuration.workerThreads >= 2 else {
            throw HTTPServerError.invalidConfiguration(
                name: "workerThreads", value: String(configuration.workerThreads), reason: "use at least 2"
            )
        }
        guard configuration.maxRequestBodyBytes >= 0 else {
            throw HTTPServerError.invalidConfiguration(
                name: "maxRequestBodyBytes", value: String(configuration.maxRequestBodyBytes),
                reason: "use 0 or more"
            )
        }
        let isIPv4 = configuration.host.split(separator: ".").count == 4
            && configuration.host.allSatisfy { $0.isNumber || $0 == "." }
        guard isIPv4 else {
            throw HTTPServerError.invalidConfiguration(
                name: "host", value: configuration.host,
                reason: "use an IPv4 address such as 127.0.0.1; Debian's civetweb has no IPv6 or host names"
            )
        }
    }

    private func civetwebOptions() -> [String] {
        let configuration = self.configuration
        return [
            "listening_ports", "\(configuration.host):\(configuration.port)",
            "num_threads", String(configuration.workerThreads),
            // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs add about 40 ms to every
            // keep-alive response and WebSocket message.
            "tcp_nodelay", "1",
            "enable_keep_alive", "yes",
            "keep_alive_timeout_ms", String(configuration.keepAliveTimeoutMilliseconds),
            "request_timeout_ms", String(configuration.requestTimeoutMilliseconds),
            "websocket_timeout_ms", String(configuration.webSocketPollMilliseconds),
            "listen_backlog", String(configuration.listenBacklog),
            "decode_url", "no",
        ]
    }
}

/// Calls `body` with a NULL-terminated array of C strings, as civetweb's option list needs.
private func withCStringArray<Result>(
    _ strings: [String],
    _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeMutableBufferPointer { buffer in
        body(buffer.baseAddress!)
    }
}

/// Reads the port of the first listening socket, which differs from the configured one
/// when the configuration asked for port 0.
private func readBoundPort(_ context: OpaquePointer) -> Int? {
    var ports = [mg_server_port](repeating: mg_server_port(), count: 4)
    let count = mg_get_server_ports(context, Int32(ports.count), &ports)
    guard count > 0 else { return nil }
    return Int(ports[0].port)
}
