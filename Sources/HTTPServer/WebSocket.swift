import CCivetweb
import Foundation

/// Receives the events of WebSocket connections on one path.
///
/// civetweb calls these methods on the connection's worker thread, one event at a time per
/// connection. Different connections call in parallel, so implementations must be thread-safe.
public protocol WebSocketHandler: AnyObject, Sendable {
    /// Called once after the handshake, before any message arrives.
    func webSocketOpened(_ connection: WebSocketConnection, request: HTTPRequest)
    /// Called for each complete text message. Fragmented messages arrive reassembled.
    func webSocketReceived(_ connection: WebSocketConnection, text: String)
    /// Called once when the connection has closed, after which sends return false.
    func webSocketClosed(_ connection: WebSocketConnection)
}

/// One open WebSocket connection. Sending is safe from any thread: a lock serialises the
/// frames of one connection.
public final class WebSocketConnection: @unchecked Sendable {
    /// A random identifier of the connection, unique within the process.
    public let id: String

    // The lock protects `connection` and `isClosed`. civetweb frees the connection after the
    // close callback, which takes the lock and sets `isClosed` first, so no send can touch a
    // freed connection.
    private let lock = NSLock()
    private var connection: OpaquePointer?
    private var isClosed = false
    private var fragments: [UInt8] = []
    private var fragmentsAreText = false

    init(connection: OpaquePointer) {
        self.id = HTTPRequest.makeRequestID()
        self.connection = connection
    }

    /// Sends `text` as one text frame; returns false when the connection is closed or the write fails.
    ///
    /// The call blocks until the kernel accepts the frame, at most for the server's request timeout.
    @discardableResult
    public func send(text: String) -> Bool {
        var bytes = Array(text.utf8)
        return self.sendFrame(opcode: Int32(webSocketOpcodeText), payload: &bytes)
    }

    /// Sends a close frame (status 1000) and tells civetweb to end the connection.
    ///
    /// ``WebSocketHandler/webSocketClosed(_:)`` follows once the worker notices, within the
    /// server's WebSocket poll interval.
    public func close() {
        self.lock.lock()
        defer { self.lock.unlock() }
        guard !self.isClosed, let connection = self.connection else { return }
        var status: [UInt8] = [0x03, 0xE8]
        _ = mg_websocket_write(
            connection,
            Int32(webSocketOpcodeClose),
            &status,
            status.count
        )
        mg_close_connection(connection)
    }

    /// Whether the connection has closed.
    public var isOpen: Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        return !self.isClosed
    }

    // MARK: - Called by the civetweb callbacks

    func sendFrame(opcode: Int32, payload: inout [UInt8]) -> Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        guard !self.isClosed, let connection = self.connection else { return false }
        let written = payload.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                mg_websocket_write(connection, opcode, characters.baseAddress, characters.count)
            }
        }
        return written > 0
    }

    func markClosed() {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.isClosed = true
        self.connection = nil
    }

    /// Adds one data frame and returns the complete message once its final frame arrived.
    ///
    /// Only the connection's worker thread calls this, so the fragment buffer needs no lock.
    func reassemble(opcode: Int, isFinal: Bool, payload: UnsafeBufferPointer<UInt8>) -> (isText: Bool, bytes: [UInt8])? {
        if opcode != webSocketOpcodeContinuation {
            self.fragments.removeAll(keepingCapacity: true)
            self.fragmentsAreText = opcode == webSocketOpcodeText
        }
        if isFinal && self.fragments.isEmpty {
            return (self.fragmentsAreText, Array(payload))
        }
        self.fragments.append(contentsOf: payload)
        guard isFinal else { return nil }
        let message = self.fragments
        self.fragments = []
        return (self.fragmentsAreText, message)
    }
}
