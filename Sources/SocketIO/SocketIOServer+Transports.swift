import Foundation
import HTTPServer
import JumperCore

/// Engine.IO error codes sent in the JSON body of a 400 response.
enum EngineErrorCode: Int {
    case unknownTransport = 0
    case unknownSessionID = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case unsupportedProtocolVersion = 5

    var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSessionID: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }
}

extension SocketIOServer {
    // MARK: - Long polling

    /// Serves one long-polling request: a handshake, a GET that parks until packets are
    /// waiting, or a POST of client packets. Runs on a civetweb worker thread.
    func handlePolling(_ request: HTTPRequest) -> HTTPResponse {
        guard request.path == self.basePath || request.path == self.basePath + "/" else {
            return .error(status: 404, title: "Not found", message: "No endpoint \(request.method) \(request.path).")
        }
        if request.method == "OPTIONS" {
            var response = HTTPResponse(status: 204)
            response.addHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            response.addHeader(
                "Access-Control-Allow-Headers",
                request.header("access-control-request-headers") ?? "Content-Type"
            )
            return self.withCORS(response, for: request)
        }
        return self.withCORS(self.servePolling(request), for: request)
    }

    private func servePolling(_ request: HTTPRequest) -> HTTPResponse {
        guard request.query["EIO"] == "4" else {
            return Self.engineError(.unsupportedProtocolVersion)
        }
        guard request.query["transport"] == "polling" else {
            return Self.engineError(request.query["transport"] == "websocket" ? .badRequest : .unknownTransport)
        }

        guard let sid = request.query["sid"] else {
            guard request.method == "GET" else { return Self.engineError(.badHandshakeMethod) }
            let client = self.openSession(transport: .polling, webSocket: nil)
            return Self.payloadResponse(client.takeImmediateBatch())
        }
        guard let client = self.client(sid: sid) else {
            return Self.engineError(.unknownSessionID)
        }

        switch request.method {
        case "GET":
            // The next ping arrives within pingInterval, so a poll normally ends with it. The
            // extra second stays below python-engineio's poll timeout of
            // max(pingInterval, pingTimeout) + 5 s.
            switch client.poll(timeout: self.configuration.pingInterval + 1) {
            case .success(let packets):
                return Self.payloadResponse(packets)
            case .failure(let rejection):
                self.logger.debug("Socket.IO poll rejected", ["socketio.sid": sid, "reason": rejection.reason])
                self.handle(client.close(.protocolError), for: client)
                return Self.engineError(.badRequest)
            }
        case "POST":
            guard request.body.count <= self.configuration.maxPayload else {
                return .error(
                    status: 413,
                    title: "Payload too large",
                    message: "The Engine.IO payload exceeds maxPayload (\(self.configuration.maxPayload) bytes)."
                )
            }
            guard let packets = EnginePacket.decodePayload(String(decoding: request.body, as: UTF8.self)) else {
                return Self.engineError(.badRequest)
            }
            let now = Self.monotonicSeconds()
            for packet in packets {
                self.handle(client.receive(packet, now: now), for: client)
            }
            return .text("ok", contentType: "text/html")
        default:
            return Self.engineError(.badRequest)
        }
    }

    private static func payloadResponse(_ packets: [EnginePacket]) -> HTTPResponse {
        .text(EnginePacket.encodePayload(packets))
    }

    private static func engineError(_ code: EngineErrorCode) -> HTTPResponse {
        let body: JSON = ["code": .number(Double(code.rawValue)), "message": .string(code.message)]
        return .json(body, status: 400)
    }

    /// Adds CORS headers so browser pages on other origins can poll.
    private func withCORS(_ response: HTTPResponse, for request: HTTPRequest) -> HTTPResponse {
        var response = response
        if let origin = request.header("origin") {
            response.setHeader("Access-Control-Allow-Origin", origin)
            response.setHeader("Access-Control-Allow-Credentials", "true")
            response.setHeader("Vary", "Origin")
        } else {
            response.setHeader("Access-Control-Allow-Origin", "*")
        }
        return response
    }

    // MARK: - WebSocket

    func webSocketOpened(_ connection: WebSocketConnection, request: HTTPRequest) {
        guard request.query["EIO"] == "4", request.query["transport"] == "websocket" else {
            self.logger.debug("Socket.IO WebSocket rejected", ["reason": "missing EIO=4 or transport=websocket"])
            connection.close()
            return
        }
        guard let sid = request.query["sid"] else {
            let client = self.openSession(transport: .webSocket, webSocket: connection)
            client.flushWebSocketSoon()
            return
        }
        guard let client = self.client(sid: sid), client.attachProbe(connection) else {
            self.logger.debug("Socket.IO upgrade rejected", ["socketio.sid": sid, "reason": "unknown session or upgrade in progress"])
            connection.close()
            return
        }
        self.registerWebSocket(connection, sid: sid)
    }

    func webSocketReceived(_ connection: WebSocketConnection, text: String) {
        guard let client = self.client(forWebSocket: connection) else {
            connection.close()
            return
        }
        guard text.utf8.count <= self.configuration.maxPayload, let packet = EnginePacket.decode(text) else {
            self.logger.debug("Socket.IO WebSocket message rejected", ["socketio.sid": client.sid])
            self.handle(client.close(.protocolError), for: client)
            return
        }
        let actions = client.receive(packet, from: connection, now: Self.monotonicSeconds())
        self.handle(actions, for: client)
    }

    func webSocketClosed(_ connection: WebSocketConnection) {
        guard let client = self.unregisterWebSocket(connection) else { return }
        if client.webSocketClosed(connection) {
            self.handle(client.close(.transportClosed), for: client)
        }
    }
}
