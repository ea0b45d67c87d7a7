import Foundation
import HTTPServer
import JumperCore

/// A Socket.IO v5 server over Engine.IO v4 with long-polling and WebSocket transports.
///
/// Clients connect to the main namespace `/`, emit `join` with a room (a task id) and then
/// receive the events emitted to that room. Sessions and rooms sit behind one lock; each
/// session has its own lock and write queue (see `EngineClient`).
public final class SocketIOServer: @unchecked Sendable {
    public typealias JoinHandler = @Sendable (_ room: String) -> [(event: String, payload: JSON)]

    let configuration: SocketIOConfiguration
    let logger: Logger

    // The lock protects every stored property below it.
    private let lock = NSLock()
    private var clients: [String: EngineClient] = [:]
    private var webSocketSessions: [String: String] = [:]
    private var rooms: [String: Set<String>] = [:]
    private var joinHandler: JoinHandler = { _ in [] }
    private var heartbeatTimer: DispatchSourceTimer?
    private var webSocketAdapter: SocketIOWebSocketAdapter?

    public init(logger: Logger, configuration: SocketIOConfiguration = .init()) {
        self.logger = logger
        self.configuration = configuration
    }

    deinit {
        self.heartbeatTimer?.cancel()
    }

    // MARK: - Public API

    /// Serves Socket.IO on `server` under the configured path (`/socket.io/`): long polling
    /// through a blocking handler, WebSocket through a WebSocket handler. Call before the
    /// server starts. Stopping the server closes every session.
    public func attach(to server: HTTPServer) {
        let basePath = self.basePath
        server.addBlockingHandler(pathPrefix: basePath) { [weak self] request in
            guard let self else {
                return .error(status: 503, title: "Service unavailable", message: "Socket.IO has stopped.")
            }
            return self.handlePolling(request)
        }
        let adapter = SocketIOWebSocketAdapter(server: self)
        server.addWebSocketHandler(path: basePath, adapter)
        server.addStopHook { [weak self] in self?.shutdown() }
        self.lock.withLock { self.webSocketAdapter = adapter }
        self.startHeartbeat()
    }

    /// Sends `event` with `payload` to every connected client in `room`.
    public func emit(_ event: String, _ payload: JSON, toRoom room: String) {
        let packet = Self.eventPacket(event, payload)
        let members = self.lock.withLock {
            (self.rooms[room] ?? []).compactMap { self.clients[$0] }
        }
        for client in members {
            client.enqueue(packet)
        }
    }

    /// Sends `event` with `payload` to every connected client.
    public func emitToAll(_ event: String, _ payload: JSON) {
        let packet = Self.eventPacket(event, payload)
        let everyone = self.lock.withLock { Array(self.clients.values) }
        for client in everyone where client.isSocketConnected {
            client.enqueue(packet)
        }
    }

    /// Sets the closure that returns the events a client receives right after it joins a
    /// room, such as the final event of a task that already ended. It runs on the thread
    /// that received the join and must not block for long.
    public func setJoinHandler(_ handler: @escaping JoinHandler) {
        self.lock.withLock { self.joinHandler = handler }
    }

    /// The number of clients connected to the main namespace.
    public var connectedClientCount: Int {
        let everyone = self.lock.withLock { Array(self.clients.values) }
        return everyone.filter(\.isSocketConnected).count
    }

    /// Returns the number of clients in `room`.
    public func memberCount(ofRoom room: String) -> Int {
        self.lock.withLock { self.rooms[room]?.count ?? 0 }
    }

    /// Closes every session and stops the heartbeat. ``attach(to:)`` registers this as a stop
    /// hook of the HTTP server, so parked polls return before civetweb stops.
    public func shutdown() {
        let (timer, everyone) = self.lock.withLock {
            let timer = self.heartbeatTimer
            self.heartbeatTimer = nil
            return (timer, Array(self.clients.values))
        }
        timer?.cancel()
        for client in everyone {
            self.handle(client.close(.serverShutdown), for: client)
        }
    }

    // MARK: - Sessions

    var basePath: String {
        var path = self.configuration.path
        while path.count > 1 && path.hasSuffix("/") {
            path.removeLast()
        }
        return path
    }

    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    private static func eventPacket(_ event: String, _ payload: JSON) -> EnginePacket {
        EnginePacket(.message, SocketPacket.event(event, [payload]).encoded)
    }

    /// Creates and registers a session.
    func openSession(transport: EngineSession.Transport, webSocket: WebSocketConnection?) -> EngineClient {
        let sid = Self.makeSessionID()
        let engine = EngineSession(
            sid: sid,
            transport: transport,
            configuration: self.configuration,
            now: Self.monotonicSeconds()
        )
        let client = EngineClient(engine: engine, socketID: Self.makeSessionID(), webSocket: webSocket)
        self.lock.withLock {
            self.clients[sid] = client
            if let webSocket {
                self.webSocketSessions[webSocket.id] = sid
            }
        }
        self.logger.debug(
            "Socket.IO session opened",
            ["socketio.sid": sid, "socketio.transport": transport == .polling ? "polling" : "websocket"]
        )
        return client
    }

    func client(sid: String) -> EngineClient? {
        self.lock.withLock { self.clients[sid] }
    }

    func client(forWebSocket connection: WebSocketConnection) -> EngineClient? {
        self.lock.withLock { self.webSocketSessions[connection.id].flatMap { self.clients[$0] } }
    }

    func registerWebSocket(_ connection: WebSocketConnection, sid: String) {
        self.lock.withLock { self.webSocketSessions[connection.id] = sid }
    }

    func unregisterWebSocket(_ connection: WebSocketConnection) -> EngineClient? {
        self.lock.withLock {
            self.webSocketSessions.removeValue(forKey: connection.id).flatMap { self.clients[$0] }
        }
    }

    /// Returns 20 random URL-safe characters, like the ids of the reference server.
    static func makeSessionID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    // MARK: - Actions

    /// Performs the actions an Engine.IO session left for the server.
    func handle(_ actions: [EngineAction], for client: EngineClient) {
        for action in actions {
            switch action {
            case .deliver(let text):
                self.handle(client.receiveSocketMessage(text), for: client)
            case .closed(let reason):
                self.removeSession(client, reason: reason)
            case .wakePoll, .flushWebSocket, .sendOnProbe, .closeWebSocket:
                break
            }
        }
    }

    /// Performs the actions of the Socket.IO layer.
    func handle(_ actions: [SocketAction], for client: EngineClient) {
        for action in actions {
            switch action {
            case .send(let packet):
                client.enqueue(EnginePacket(.message, packet.encoded))
            case .join(let room, let ack):
                self.lock.withLock { _ = self.rooms[room, default: []].insert(client.sid) }
                client.addRoom(room)
                let handler = self.lock.withLock { self.joinHandler }
                var packets = ack.map { [EnginePacket(.message, $0.encoded)] } ?? []
                packets += handler(room).map { Self.eventPacket($0.event, $0.payload) }
                client.enqueue(packets)
                self.logger.debug("Socket.IO client joined room", ["socketio.sid": client.sid, "socketio.room": room])
            case .leave(let room, let ack):
                self.leave(room, client: client)
                client.removeRoom(room)
                if let ack {
                    client.enqueue(EnginePacket(.message, ack.encoded))
                }
            case .disconnected:
                for room in client.takeRooms() {
                    self.leave(room, client: client)
                }
            case .ignored(let reason):
                self.logger.debug("Socket.IO packet ignored", ["socketio.sid": client.sid, "reason": reason])
            }
        }
    }

    private func leave(_ room: String, client: EngineClient) {
        self.lock.withLock {
            self.rooms[room]?.remove(client.sid)
            if self.rooms[room]?.isEmpty == true {
                self.rooms[room] = nil
            }
        }
    }

    private func removeSession(_ client: EngineClient, reason: EngineCloseReason) {
        let rooms = client.takeRooms()
        self.lock.withLock {
            self.clients[client.sid] = nil
            for room in rooms {
                self.rooms[room]?.remove(client.sid)
                if self.rooms[room]?.isEmpty == true {
                    self.rooms[room] = nil
                }
            }
        }
        self.logger.debug("Socket.IO session closed", ["socketio.sid": client.sid, "reason": reason.rawValue])
    }

    // MARK: - Heartbeat

    private func startHeartbeat() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "socketio.heartbeat"))
        let period = max(0.05, min(1.0, self.configuration.pingInterval / 4))
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [weak self] in
            self?.tickAll()
        }
        self.lock.withLock {
            self.heartbeatTimer?.cancel()
            self.heartbeatTimer = timer
        }
        timer.resume()
    }

    private func tickAll() {
        let now = Self.monotonicSeconds()
        let everyone = self.lock.withLock { Array(self.clients.values) }
        for client in everyone {
            self.handle(client.tick(now: now), for: client)
        }
    }
}

/// Receives civetweb's WebSocket events for the Socket.IO path.
final class SocketIOWebSocketAdapter: WebSocketHandler, @unchecked Sendable {
    private weak var server: SocketIOServer?

    init(server: SocketIOServer) {
        self.server = server
    }

    func webSocketOpened(_ connection: WebSocketConnection, request: HTTPRequest) {
        self.server?.webSocketOpened(connection, request: request)
    }

    func webSocketReceived(_ connection: WebSocketConnection, text: String) {
        self.server?.webSocketReceived(connection, text: text)
    }

    func webSocketClosed(_ connection: WebSocketConnection) {
        self.server?.webSocketClosed(connection)
    }
}
