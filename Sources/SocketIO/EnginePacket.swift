/// The packet types of Engine.IO protocol version 4, sent as the packet's first character.
public enum EnginePacketType: Character, Sendable, CaseIterable {
    case open = "0"
    case close = "1"
    case ping = "2"
    case pong = "3"
    case message = "4"
    case upgrade = "5"
    case noop = "6"
}

/// One Engine.IO v4 text packet: a type digit followed by its data.
///
/// Binary packets (`b` plus base64 on polling, binary frames on WebSocket) are not supported,
/// because no Socket.IO event of this server carries binary data.
public struct EnginePacket: Sendable, Equatable {
    public var type: EnginePacketType
    public var data: String

    public init(_ type: EnginePacketType, _ data: String = "") {
        self.type = type
        self.data = data
    }

    /// The packet as sent on the wire, such as `4hello` or `3probe`.
    public var encoded: String {
        String(self.type.rawValue) + self.data
    }

    /// Decodes one packet; returns nil for an empty string, an unknown type or a binary packet.
    public static func decode(_ text: Substring) -> EnginePacket? {
        guard let first = text.first, let type = EnginePacketType(rawValue: first) else {
            return nil
        }
        return EnginePacket(type, String(text.dropFirst()))
    }

    /// Decodes one packet from a whole string.
    public static func decode(_ text: String) -> EnginePacket? {
        decode(text[...])
    }
}

/// The record separator (U+001E) that joins packets in a long-polling payload.
let enginePayloadSeparator: Character = "\u{1E}"

extension EnginePacket {
    /// Joins packets into one long-polling payload, separated by U+001E.
    public static func encodePayload(_ packets: [EnginePacket]) -> String {
        packets.map(\.encoded).joined(separator: String(enginePayloadSeparator))
    }

    /// Splits a long-polling payload into packets; returns nil when any packet is invalid.
    public static func decodePayload(_ text: String) -> [EnginePacket]? {
        guard !text.isEmpty else { return [] }
        var packets: [EnginePacket] = []
        for part in text.split(separator: enginePayloadSeparator, omittingEmptySubsequences: false) {
            guard let packet = decode(part) else { return nil }
            packets.append(packet)
        }
        return packets
    }
}
