/// Settings of a ``SocketIOServer``.
public struct SocketIOConfiguration: Sendable {
    /// The interval between the server's heartbeat pings, in seconds.
    public var pingInterval: Double
    /// How long the server waits for the client's pong before it closes the session, in seconds.
    public var pingTimeout: Double
    /// The maximum number of packets in one long-polling response. python-engineio 4.x rejects
    /// a payload of more than 16 packets; the client polls again for the rest.
    public var maxPacketsPerPoll: Int
    /// The largest polling POST body or WebSocket message accepted, in bytes, announced to the
    /// client in the handshake.
    public var maxPayload: Int
    /// The URL path of the Socket.IO endpoint, with a trailing slash.
    public var path: String

    public init(
        pingInterval: Double = 25,
        pingTimeout: Double = 20,
        maxPacketsPerPoll: Int = 16,
        maxPayload: Int = 1_000_000,
        path: String = "/socket.io/"
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPacketsPerPoll = maxPacketsPerPoll
        self.maxPayload = maxPayload
        self.path = path
    }
}
