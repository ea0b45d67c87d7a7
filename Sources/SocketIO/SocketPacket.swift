import JumperCore

/// The packet types of Socket.IO protocol version 5, sent as the first character inside an
/// Engine.IO message packet.
public enum SocketPacketType: Character, Sendable, CaseIterable {
    case connect = "0"
    case disconnect = "1"
    case event = "2"
    case ack = "3"
    case connectError = "4"
    case binaryEvent = "5"
    case binaryAck = "6"
}

/// One Socket.IO v5 packet: `<type>[<namespace>,][<ack id>][<JSON data>]`.
///
/// The namespace is written only when it is not `/`, so `42["progress",{...}]` is an event on
/// the main namespace and `421["join","t1"]` is an event that requests acknowledgement 1.
public struct SocketPacket: Sendable, Equatable {
    public var type: SocketPacketType
    public var namespace: String
    public var ackID: Int?
    public var data: JSON?

    public init(_ type: SocketPacketType, namespace: String = "/", ackID: Int? = nil, data: JSON? = nil) {
        self.type = type
        self.namespace = namespace
        self.ackID = ackID
        self.data = data
    }

    /// Builds an EVENT packet whose data is `[event, arguments...]`.
    public static func event(_ name: String, _ arguments: [JSON], ackID: Int? = nil) -> SocketPacket {
        SocketPacket(.event, ackID: ackID, data: .array([.string(name)] + arguments))
    }

    /// The packet as the payload of an Engine.IO message packet.
    public var encoded: String {
        var text = String(self.type.rawValue)
        if self.namespace != "/" {
            text += self.namespace + ","
        }
        if let ackID = self.ackID {
            text += String(ackID)
        }
        if let data = self.data {
            text += data.serializedString()
        }
        return text
    }

    /// For an EVENT packet, the event name (the first element of the data array).
    public var eventName: String? {
        guard self.type == .event, case .array(let elements) = self.data else { return nil }
        return elements.first?.stringValue
    }

    /// For an EVENT packet, the arguments after the event name.
    public var eventArguments: [JSON] {
        guard case .array(let elements) = self.data else { return [] }
        return Array(elements.dropFirst())
    }

    /// Decodes a packet.
    /// - Throws: ``SocketPacketError`` naming the invalid part.
    public static func decode(_ text: String) throws(SocketPacketError) -> SocketPacket {
        var rest = Substring(text)
        guard let first = rest.first, let type = SocketPacketType(rawValue: first) else {
            throw SocketPacketError(text: text, reason: "unknown packet type")
        }
        rest = rest.dropFirst()
        if type == .binaryEvent || type == .binaryAck {
            throw SocketPacketError(text: text, reason: "binary packets are not supported")
        }

        var namespace = "/"
        if rest.first == "/" {
            if let comma = rest.firstIndex(of: ",") {
                namespace = String(rest[..<comma])
                rest = rest[rest.index(after: comma)...]
            } else {
                namespace = String(rest)
                rest = ""
            }
        }

        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        var ackID: Int?
        if !digits.isEmpty {
            guard digits.count <= 15, let value = Int(digits) else {
                throw SocketPacketError(text: text, reason: "acknowledgement id '\(digits)' is too large")
            }
            ackID = value
            rest = rest.dropFirst(digits.count)
        }

        var data: JSON?
        if !rest.isEmpty {
            do {
                data = try JSON.parse(Array(rest.utf8), maxDepth: 64)
            } catch {
                throw SocketPacketError(text: text, reason: "invalid JSON data: \(error)")
            }
        }
        if type == .event || type == .ack {
            guard case .array(let elements) = data else {
                throw SocketPacketError(text: text, reason: "event and ack data must be a JSON array")
            }
            if type == .event && elements.first?.stringValue == nil {
                throw SocketPacketError(text: text, reason: "an event's first element must be its name")
            }
        }
        return SocketPacket(type, namespace: namespace, ackID: ackID, data: data)
    }
}

/// An error raised for a Socket.IO packet that cannot be decoded.
public struct SocketPacketError: Error, Sendable, CustomStringConvertible {
    /// The packet text, shortened to 200 characters.
    public let text: String
    public let reason: String

    init(text: String, reason: String) {
        self.text = String(text.prefix(200))
        self.reason = reason
    }

    public var description: String {
        "invalid Socket.IO packet '\(self.text)': \(self.reason)"
    }
}
