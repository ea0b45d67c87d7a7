import JumperCore

/// An effect that the owner of a ``SocketSession`` performs after a packet.
public enum SocketAction: Sendable, Equatable {
    /// Sends a packet to the client.
    case send(SocketPacket)
    /// Adds the client to `room`, sends `ack` when present, then sends the join handler's events.
    case join(room: String, ack: SocketPacket?)
    /// Removes the client from `room`, then sends `ack` when present.
    case leave(room: String, ack: SocketPacket?)
    /// The client left the main namespace: remove it from every room.
    case disconnected
    /// The packet was ignored; the reason is for the log.
    case ignored(String)
}

/// The Socket.IO v5 state of one client on the main namespace `/`, independent of transports.
///
/// It understands CONNECT, DISCONNECT and the events `join` and `leave`. The argument of
/// `join` and `leave` is a room name, or an object whose `task_id` or `room` field names it.
public struct SocketSession: Sendable {
    /// The Socket.IO session id sent in the CONNECT reply, distinct from the Engine.IO sid.
    public let socketID: String
    public private(set) var isConnected = false

    public init(socketID: String) {
        self.socketID = socketID
    }

    /// Handles the data of one Engine.IO message packet.
    public mutating func receive(_ text: String) -> [SocketAction] {
        let packet: SocketPacket
        do {
            packet = try SocketPacket.decode(text)
        } catch {
            return [.ignored(error.description)]
        }

        if packet.namespace != "/" {
            if packet.type == .connect {
                let error: JSON = ["message": "Invalid namespace"]
                return [.send(SocketPacket(.connectError, namespace: packet.namespace, data: error))]
            }
            return [.ignored("packet for unknown namespace '\(packet.namespace)'")]
        }

        switch packet.type {
        case .connect:
            self.isConnected = true
            let answer: JSON = ["sid": .string(self.socketID)]
            return [.send(SocketPacket(.connect, data: answer))]
        case .disconnect:
            guard self.isConnected else { return [.ignored("disconnect before connect")] }
            self.isConnected = false
            return [.disconnected]
        case .event:
            guard self.isConnected else { return [.ignored("event before connect")] }
            return self.handleEvent(packet)
        case .ack:
            return [.ignored("acknowledgements from clients are not used")]
        case .connectError, .binaryEvent, .binaryAck:
            return [.ignored("unexpected packet type \(packet.type.rawValue) from a client")]
        }
    }

    private func handleEvent(_ packet: SocketPacket) -> [SocketAction] {
        let name = packet.eventName ?? ""
        guard name == "join" || name == "leave" else {
            if let ackID = packet.ackID {
                return [.send(Self.errorAck(ackID, title: "Unknown event", message: "The server does not handle event '\(name)'. Use 'join' or 'leave'."))]
            }
            return [.ignored("unknown event '\(name)'")]
        }

        guard let room = Self.roomName(packet.eventArguments.first) else {
            let message = "'\(name)' needs a room name: a string or an object with 'task_id' or 'room'."
            if let ackID = packet.ackID {
                return [.send(Self.errorAck(ackID, title: "Invalid room", message: message))]
            }
            return [.ignored(message)]
        }

        let ack = packet.ackID.map { ackID in
            let body: JSON = ["status": name == "join" ? "joined" : "left", "room": .string(room)]
            return SocketPacket(.ack, ackID: ackID, data: [body])
        }
        return name == "join" ? [.join(room: room, ack: ack)] : [.leave(room: room, ack: ack)]
    }

    /// Reads a room name from `"t1"`, `{"task_id": "t1"}` or `{"room": "t1"}`; a numeric
    /// `task_id` is accepted and written in decimal.
    static func roomName(_ argument: JSON?) -> String? {
        switch argument {
        case .string(let room)?:
            return room.isEmpty ? nil : room
        case .object(let object)?:
            for key in ["task_id", "room"] {
                if let room = object[key]?.stringValue, !room.isEmpty {
                    return room
                }
                if let number = object[key]?.intValue {
                    return String(number)
                }
            }
            return nil
        default:
            return nil
        }
    }

    private static func errorAck(_ ackID: Int, title: String, message: String) -> SocketPacket {
        let body: JSON = ["error": .string(title), "message": .string(message)]
        return SocketPacket(.ack, ackID: ackID, data: [body])
    }
}
