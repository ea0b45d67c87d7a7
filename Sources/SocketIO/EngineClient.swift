import Foundation
import HTTPServer
import JumperCore

/// One client session with its lock, its transports and its write queue.
///
/// The condition's lock protects `engine`, `socket`, `webSocket`, `probeSocket` and `rooms`.
/// WebSocket writes run on `writeQueue`, one batch at a time, so frames leave in queue order
/// and a slow client delays only its own queue.
final class EngineClient: @unchecked Sendable {
    let sid: String
    private let condition = NSCondition()
    private var engine: EngineSession
    private var socket: SocketSession
    private var webSocket: WebSocketConnection?
    private var probeSocket: WebSocketConnection?
    private(set) var rooms: Set<String> = []
    private let writeQueue: DispatchQueue

    init(engine: EngineSession, socketID: String, webSocket: WebSocketConnection?) {
        self.sid = engine.sid
        self.engine = engine
        self.socket = SocketSession(socketID: socketID)
        self.webSocket = webSocket
        self.writeQueue = DispatchQueue(label: "socketio.write.\(engine.sid)")
    }

    private func locked<T>(_ body: () -> T) -> T {
        self.condition.lock()
        defer { self.condition.unlock() }
        return body()
    }

    var isSocketConnected: Bool {
        self.locked { self.socket.isConnected && !self.engine.isClosed }
    }

    var isClosed: Bool {
        self.locked { self.engine.isClosed }
    }

    // MARK: - Engine.IO events

    /// Queues a packet and wakes or flushes its transport. Returns false once closed.
    @discardableResult
    func enqueue(_ packet: EnginePacket) -> Bool {
        let action = self.locked { self.engine.enqueue(packet) }
        guard let action else { return false }
        self.perform([action])
        return true
    }

    /// Queues several packets in order, with one wake-up or flush for all of them.
    func enqueue(_ packets: [EnginePacket]) {
        let actions = self.locked { packets.compactMap { self.engine.enqueue($0) } }
        if let first = actions.first {
            self.perform([first])
        }
    }

    /// Feeds a received packet to the session and returns the actions left for the server.
    func receive(_ packet: EnginePacket, now: Double) -> [EngineAction] {
        let actions = self.locked { self.engine.receive(packet, now: now) }
        return self.perform(actions)
    }

    /// Feeds a packet that arrived on `connection`, which is either the session's WebSocket or
    /// a WebSocket probing an upgrade from polling.
    func receive(_ packet: EnginePacket, from connection: WebSocketConnection, now: Double) -> [EngineAction] {
        let isMainSocket = self.locked { self.webSocket === connection }
        if isMainSocket {
            return self.receive(packet, now: now)
        }
        return self.receiveOnProbe(packet, from: connection)
    }

    /// Sends the packets queued so far over the WebSocket, such as the open packet.
    func flushWebSocketSoon() {
        self.writeQueue.async { self.flushWebSocket() }
    }

    private func receiveOnProbe(_ packet: EnginePacket, from connection: WebSocketConnection) -> [EngineAction] {
        let actions: [EngineAction] = self.locked {
            guard self.probeSocket === connection else { return [.closeWebSocket] }
            let actions = self.engine.receiveOnProbe(packet)
            if actions.contains(.flushWebSocket) {
                self.webSocket = connection
                self.probeSocket = nil
            }
            return actions
        }
        if actions == [.closeWebSocket] {
            connection.close()
            return []
        }
        return self.perform(actions)
    }

    func tick(now: Double) -> [EngineAction] {
        let actions = self.locked { self.engine.tick(now: now) }
        return self.perform(actions)
    }

    func close(_ reason: EngineCloseReason) -> [EngineAction] {
        let actions = self.locked { self.engine.close(reason) }
        return self.perform(actions)
    }

    /// Performs the transport actions and returns the ones the server handles
    /// (`deliver` and `closed`).
    @discardableResult
    private func perform(_ actions: [EngineAction]) -> [EngineAction] {
        var remaining: [EngineAction] = []
        for action in actions {
            switch action {
            case .wakePoll:
                self.locked { self.condition.broadcast() }
            case .flushWebSocket:
                self.writeQueue.async { self.flushWebSocket() }
            case .sendOnProbe(let packet):
                let probe = self.locked { self.probeSocket }
                probe?.send(text: packet.encoded)
            case .closeWebSocket:
                let sockets = self.locked { [self.webSocket, self.probeSocket].compactMap { $0 } }
                // Closing after the queued writes lets a final packet reach the client first.
                self.writeQueue.async { sockets.forEach { $0.close() } }
            case .deliver, .closed:
                remaining.append(action)
            }
        }
        return remaining
    }

    private func flushWebSocket() {
        let (batch, connection) = self.locked { (self.engine.takeWebSocketBatch(), self.webSocket) }
        guard let connection else { return }
        for packet in batch where !connection.send(text: packet.encoded) {
            return
        }
    }

    // MARK: - Transports

    func attachProbe(_ connection: WebSocketConnection) -> Bool {
        self.locked {
            guard !self.engine.isClosed, self.engine.transport == .polling, self.probeSocket == nil else {
                return false
            }
            self.probeSocket = connection
            return true
        }
    }

    /// Handles a closed WebSocket; returns true when it carried the session.
    func webSocketClosed(_ connection: WebSocketConnection) -> Bool {
        self.locked {
            if self.probeSocket === connection {
                self.probeSocket = nil
                self.engine.abortUpgrade()
                self.condition.broadcast()
                return false
            }
            return self.webSocket === connection
        }
    }

    /// Parks the calling thread until packets are waiting, the session closes or `timeout`
    /// passes, and returns the payload for the polling response.
    func poll(timeout: Double) -> Result<[EnginePacket], PollRejection> {
        self.condition.lock()
        defer { self.condition.unlock() }
        if case .rejected(let reason) = self.engine.beginPoll() {
            return .failure(PollRejection(reason: reason))
        }
        defer { self.engine.endPoll() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let batch = self.engine.takePollBatch() {
                return .success(batch)
            }
            if !self.condition.wait(until: deadline) {
                return .success(self.engine.takePollBatch() ?? [EnginePacket(.noop)])
            }
        }
    }

    /// Takes the packets waiting right now, as the handshake response does.
    func takeImmediateBatch() -> [EnginePacket] {
        self.locked { self.engine.takePollBatch() ?? [] }
    }

    // MARK: - Socket.IO

    func receiveSocketMessage(_ text: String) -> [SocketAction] {
        self.locked { self.socket.receive(text) }
    }

    func addRoom(_ room: String) {
        self.locked { _ = self.rooms.insert(room) }
    }

    func removeRoom(_ room: String) {
        self.locked { _ = self.rooms.remove(room) }
    }

    func takeRooms() -> Set<String> {
        self.locked {
            let rooms = self.rooms
            self.rooms.removeAll()
            return rooms
        }
    }
}

/// The reason a long poll was rejected with 400.
struct PollRejection: Error {
    let reason: String
}
