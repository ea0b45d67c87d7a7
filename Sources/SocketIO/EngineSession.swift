import JumperCore

/// The reason an Engine.IO session closed.
public enum EngineCloseReason: String, Sendable, Equatable {
    /// The client sent a close packet.
    case clientClosed = "client closed"
    /// No pong arrived within the ping timeout.
    case pingTimeout = "ping timeout"
    /// The WebSocket carrying the session closed.
    case transportClosed = "transport closed"
    /// The client broke the protocol, for example with overlapping polls.
    case protocolError = "protocol error"
    /// The server is stopping.
    case serverShutdown = "server shutdown"
}

/// An effect that the owner of an ``EngineSession`` performs after a state change.
public enum EngineAction: Sendable, Equatable {
    /// Hands the data of a message packet to the Socket.IO layer.
    case deliver(String)
    /// Wakes a parked long poll, because packets are waiting or the session changed.
    case wakePoll
    /// Sends the waiting packets over the session's WebSocket.
    case flushWebSocket
    /// Sends a packet over the WebSocket that is probing for an upgrade.
    case sendOnProbe(EnginePacket)
    /// Closes the session's WebSocket.
    case closeWebSocket
    /// Forgets the session: the Socket.IO layer leaves its rooms.
    case closed(EngineCloseReason)
}

/// The outcome of starting a long-polling GET request.
public enum PollStart: Sendable, Equatable {
    /// The poll may wait for packets.
    case accepted
    /// The poll is invalid for this session: another poll is active or the session uses WebSocket.
    case rejected(String)
}

/// The Engine.IO v4 state of one client session, independent of sockets and threads.
///
/// The owner feeds it received packets and clock ticks and performs the returned actions.
/// Time is a monotonic number of seconds supplied by the owner, so tests control it.
public struct EngineSession: Sendable {
    public enum Transport: Sendable, Equatable {
        case polling
        case webSocket
    }

    public enum Phase: Sendable, Equatable {
        case open
        /// A WebSocket passed the probe, and polling continues until the client sends upgrade.
        case upgrading
        case closed(EngineCloseReason)
    }

    public let sid: String
    public private(set) var transport: Transport
    public private(set) var phase: Phase = .open
    /// Packets waiting for the client, oldest first.
    public private(set) var outbox: [EnginePacket] = []
    public private(set) var isPolling = false

    private let configuration: SocketIOConfiguration
    private var nextPingAt: Double
    private var pongDeadline: Double?

    /// Creates a session and queues its open packet.
    public init(sid: String, transport: Transport, configuration: SocketIOConfiguration, now: Double) {
        self.sid = sid
        self.transport = transport
        self.configuration = configuration
        self.nextPingAt = now + configuration.pingInterval
        self.outbox.append(self.openPacket)
    }

    /// The handshake packet: `0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}`.
    public var openPacket: EnginePacket {
        let upgrades: JSON = self.transport == .polling ? ["websocket"] : []
        let handshake: JSON = [
            "sid": .string(self.sid),
            "upgrades": upgrades,
            "pingInterval": .number((self.configuration.pingInterval * 1000).rounded()),
            "pingTimeout": .number((self.configuration.pingTimeout * 1000).rounded()),
            "maxPayload": .number(Double(self.configuration.maxPayload)),
        ]
        return EnginePacket(.open, handshake.serializedString())
    }

    public var isClosed: Bool {
        if case .closed = self.phase { return true }
        return false
    }

    // MARK: - Outgoing packets

    /// Queues a packet for the client and returns how to get it there, or nil once closed.
    public mutating func enqueue(_ packet: EnginePacket) -> EngineAction? {
        guard !self.isClosed else { return nil }
        self.outbox.append(packet)
        return self.transport == .webSocket ? .flushWebSocket : .wakePoll
    }

    /// Removes and returns every waiting packet for the WebSocket transport.
    public mutating func takeWebSocketBatch() -> [EnginePacket] {
        guard self.transport == .webSocket else { return [] }
        let batch = self.outbox
        self.outbox.removeAll()
        return batch
    }

    // MARK: - Long polling

    /// Starts a long-polling GET request.
    public mutating func beginPoll() -> PollStart {
        if self.isClosed {
            return .accepted
        }
        if self.transport == .webSocket {
            return .rejected("the session already uses WebSocket")
        }
        if self.isPolling {
            return .rejected("another polling request of this session is still open")
        }
        self.isPolling = true
        return .accepted
    }

    /// Returns the packets for the active poll's response, or nil while it should keep waiting.
    ///
    /// Returns at most `maxPacketsPerPoll` packets, a noop while an upgrade is in progress so
    /// the client can switch, and a close packet once the session is closed.
    public mutating func takePollBatch() -> [EnginePacket]? {
        if self.isClosed {
            return [EnginePacket(.close)]
        }
        if self.transport == .webSocket {
            return [EnginePacket(.noop)]
        }
        if !self.outbox.isEmpty {
            let count = min(self.outbox.count, max(1, self.configuration.maxPacketsPerPoll))
            let batch = Array(self.outbox.prefix(count))
            self.outbox.removeFirst(count)
            return batch
        }
        if self.phase == .upgrading {
            return [EnginePacket(.noop)]
        }
        return nil
    }

    /// Ends the active poll.
    public mutating func endPoll() {
        self.isPolling = false
    }

    // MARK: - Incoming packets

    /// Handles a packet from the client on the session's current transport.
    public mutating func receive(_ packet: EnginePacket, now: Double) -> [EngineAction] {
        guard !self.isClosed else { return [] }
        switch packet.type {
        case .message:
            return [.deliver(packet.data)]
        case .pong:
            self.pongDeadline = nil
            self.nextPingAt = now + self.configuration.pingInterval
            return []
        case .close:
            return self.close(.clientClosed)
        case .ping:
            // Engine.IO v4 clients do not ping the server, so a ping is only echoed as a pong.
            return self.enqueue(EnginePacket(.pong, packet.data)).map { [$0] } ?? []
        case .open, .upgrade, .noop:
            return []
        }
    }

    /// Handles a packet arriving on a WebSocket that probes an upgrade from polling.
    public mutating func receiveOnProbe(_ packet: EnginePacket) -> [EngineAction] {
        guard !self.isClosed, self.transport == .polling else { return [.closeWebSocket] }
        switch (packet.type, packet.data) {
        case (.ping, "probe"):
            self.phase = .upgrading
            return [.sendOnProbe(EnginePacket(.pong, "probe")), .wakePoll]
        case (.upgrade, _) where self.phase == .upgrading:
            self.transport = .webSocket
            self.phase = .open
            return [.wakePoll, .flushWebSocket]
        default:
            return []
        }
    }

    /// Handles the loss of a probing WebSocket before the upgrade completed.
    public mutating func abortUpgrade() {
        if self.phase == .upgrading {
            self.phase = .open
        }
    }

    // MARK: - Heartbeat and closing

    /// Sends a ping when one is due and closes the session when a pong is overdue.
    public mutating func tick(now: Double) -> [EngineAction] {
        guard !self.isClosed else { return [] }
        if let deadline = self.pongDeadline {
            return now >= deadline ? self.close(.pingTimeout) : []
        }
        guard now >= self.nextPingAt else { return [] }
        self.pongDeadline = now + self.configuration.pingTimeout
        return self.enqueue(EnginePacket(.ping)).map { [$0] } ?? []
    }

    /// Closes the session. A parked poll returns a close packet; a WebSocket is closed.
    public mutating func close(_ reason: EngineCloseReason) -> [EngineAction] {
        guard !self.isClosed else { return [] }
        self.phase = .closed(reason)
        self.outbox.removeAll()
        switch self.transport {
        case .polling:
            return [.wakePoll, .closeWebSocket, .closed(reason)]
        case .webSocket:
            return [.closeWebSocket, .closed(reason)]
        }
    }
}
