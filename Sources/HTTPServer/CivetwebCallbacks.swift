import CCivetweb
import Foundation
import JumperCore

// Every civetweb callback lives here as a plain C-convention function: civetweb calls them on
// its own worker threads, so none of them may touch main-actor state.

/// Builds the callback table passed to `mg_start2`.
func makeCivetwebCallbacks() -> mg_callbacks {
    var callbacks = mg_callbacks()
    callbacks.begin_request = civetwebBeginRequest
    callbacks.log_message = civetwebLogMessage
    callbacks.http_error = civetwebHTTPError
    return callbacks
}

private func server(of connection: OpaquePointer?) -> HTTPServer? {
    guard let info = mg_get_request_info(connection), let userData = info.pointee.user_data else {
        return nil
    }
    return Unmanaged<HTTPServer>.fromOpaque(userData).takeUnretainedValue()
}

private let civetwebBeginRequest: @convention(c) (OpaquePointer?) -> Int32 = { connection in
    guard let connection, let server = server(of: connection) else { return 0 }
    return Int32(server.serve(connection))
}

private let civetwebLogMessage: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32 = {
    connection, message in
    guard let connection, let message, let server = server(of: connection) else { return 0 }
    server.logger.warning("civetweb reported an error", ["error": String(cString: message)])
    return 1
}

/// Replaces civetweb's plain-text error page with the project's JSON error body for the errors
/// civetweb detects itself, such as a malformed request line or oversized headers.
private let civetwebHTTPError: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?) -> Int32 = {
    connection, status, message in
    // The context's user data is set even when the request could not be parsed.
    guard let connection, let context = mg_get_context(connection), let userData = mg_get_user_data(context) else {
        return 1
    }
    let server = Unmanaged<HTTPServer>.fromOpaque(userData).takeUnretainedValue()
    server.answerProtocolError(connection, status: Int(status), detail: message.map { String(cString: $0) } ?? "")
    return 0
}

// MARK: - WebSocket callbacks

/// One WebSocket path and its handler; civetweb receives an unretained pointer to it as
/// callback data, and the server keeps it alive until civetweb stops.
final class WebSocketRoute: @unchecked Sendable {
    let path: String
    let handler: any WebSocketHandler
    unowned let server: HTTPServer

    init(path: String, handler: any WebSocketHandler, server: HTTPServer) {
        // civetweb matches "/a" against "/a" and "/a/...", so a trailing slash is dropped.
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") {
            trimmed.removeLast()
        }
        self.path = trimmed
        self.handler = handler
        self.server = server
    }

    func matches(_ requestPath: String) -> Bool {
        requestPath == self.path || requestPath.hasPrefix(self.path + "/")
    }

    func register(in context: OpaquePointer) {
        mg_set_websocket_handler(
            context,
            self.path,
            civetwebWebSocketConnect,
            civetwebWebSocketReady,
            civetwebWebSocketData,
            civetwebWebSocketClose,
            Unmanaged.passUnretained(self).toOpaque()
        )
    }
}

/// The Swift state of an open WebSocket connection: its wrapper and the upgrade request.
private final class WebSocketSlot {
    let connection: WebSocketConnection
    let request: HTTPRequest

    init(connection: WebSocketConnection, request: HTTPRequest) {
        self.connection = connection
        self.request = request
    }
}

private func route(_ callbackData: UnsafeMutableRawPointer?) -> WebSocketRoute? {
    guard let callbackData else { return nil }
    return Unmanaged<WebSocketRoute>.fromOpaque(callbackData).takeUnretainedValue()
}

private func slot(of connection: OpaquePointer?) -> WebSocketSlot? {
    guard let pointer = mg_get_user_connection_data(connection) else { return nil }
    return Unmanaged<WebSocketSlot>.fromOpaque(pointer).takeUnretainedValue()
}

private let civetwebWebSocketConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = {
    connection, callbackData in
    guard let connection, route(callbackData) != nil, let info = mg_get_request_info(connection) else {
        return 1
    }
    let request = makeRequest(info: info, requestID: HTTPRequest.makeRequestID(), body: [])
    let slot = WebSocketSlot(connection: WebSocketConnection(connection: connection), request: request)
    mg_set_user_connection_data(connection, Unmanaged.passRetained(slot).toOpaque())
    return 0
}

private let civetwebWebSocketReady: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
    connection, callbackData in
    guard let route = route(callbackData), let slot = slot(of: connection) else { return }
    route.server.logger.debug(
        "WebSocket opened",
        ["http.path": slot.request.path, "websocket.id": slot.connection.id, "request.id": slot.request.requestID]
    )
    route.handler.webSocketOpened(slot.connection, request: slot.request)
}

private let civetwebWebSocketData:
    @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        connection, bits, data, length, callbackData in
        guard let route = route(callbackData), let slot = slot(of: connection) else { return 0 }
        let opcode = Int(bits & 0x0F)
        let isFinal = bits & 0x80 != 0
        let payload = UnsafeBufferPointer(
            start: UnsafeRawPointer(data)?.assumingMemoryBound(to: UInt8.self),
            count: data == nil ? 0 : length
        )

        switch opcode {
        case webSocketOpcodePing:
            // civetweb 1.15 passes ping frames to this callback and sends no pong itself.
            var echo = Array(payload)
            return slot.connection.sendFrame(opcode: Int32(webSocketOpcodePong), payload: &echo) ? 1 : 0
        case webSocketOpcodePong:
            return 1
        case webSocketOpcodeClose:
            var echo = Array(payload.prefix(2))
            _ = slot.connection.sendFrame(opcode: Int32(webSocketOpcodeClose), payload: &echo)
            return 0
        case webSocketOpcodeText, webSocketOpcodeBinary, webSocketOpcodeContinuation:
            guard let message = slot.connection.reassemble(opcode: opcode, isFinal: isFinal, payload: payload) else {
                return 1
            }
            guard message.isText else {
                route.server.logger.debug(
                    "WebSocket binary message ignored",
                    ["websocket.id": slot.connection.id, "websocket.bytes": String(message.bytes.count)]
                )
                return 1
            }
            route.handler.webSocketReceived(slot.connection, text: String(decoding: message.bytes, as: UTF8.self))
            return 1
        default:
            return 0
        }
    }

private let civetwebWebSocketClose: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
    connection, callbackData in
    guard let pointer = mg_get_user_connection_data(connection) else { return }
    let slot = Unmanaged<WebSocketSlot>.fromOpaque(pointer).takeRetainedValue()
    mg_set_user_connection_data(connection, nil)
    slot.connection.markClosed()
    guard let route = route(callbackData) else { return }
    route.server.logger.debug("WebSocket closed", ["websocket.id": slot.connection.id])
    route.handler.webSocketClosed(slot.connection)
}

let webSocketOpcodeContinuation = 0x0
let webSocketOpcodeText = 0x1
let webSocketOpcodeBinary = 0x2
let webSocketOpcodeClose = 0x8
let webSocketOpcodePing = 0x9
let webSocketOpcodePong = 0xA
