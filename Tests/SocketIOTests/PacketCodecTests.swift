import JumperCore
import SocketIO
import Testing

// MARK: - Engine.IO packets

@Test(arguments: [
    ("0{\"sid\":\"x\"}", EnginePacket(.open, "{\"sid\":\"x\"}")),
    ("1", EnginePacket(.close)),
    ("2probe", EnginePacket(.ping, "probe")),
    ("3", EnginePacket(.pong)),
    ("4hello", EnginePacket(.message, "hello")),
    ("5", EnginePacket(.upgrade)),
    ("6", EnginePacket(.noop)),
])
func enginePacketRoundTrips(text: String, packet: EnginePacket) {
    #expect(EnginePacket.decode(text) == packet)
    #expect(packet.encoded == text)
}

@Test(arguments: ["", "7", "x", "bAQID"])
func enginePacketRejectsUnknownTypes(text: String) {
    #expect(EnginePacket.decode(text) == nil)
}

@Test func enginePayloadJoinsWithRecordSeparator() {
    let packets = [EnginePacket(.message, "40"), EnginePacket(.ping), EnginePacket(.message, "a\u{1F}b")]
    let payload = EnginePacket.encodePayload(packets)
    #expect(payload == "440\u{1E}2\u{1E}4a\u{1F}b")
    #expect(EnginePacket.decodePayload(payload) == packets)
}

@Test func enginePayloadRejectsEmptyPacket() {
    #expect(EnginePacket.decodePayload("") == [])
    #expect(EnginePacket.decodePayload("4a\u{1E}\u{1E}4b") == nil)
}

// MARK: - Socket.IO packets

@Test func socketPacketEncodesEventWithAck() {
    let packet = SocketPacket.event("progress", [["task_id": "t1", "progress": 50]], ackID: 12)
    #expect(packet.encoded == #"212["progress",{"task_id":"t1","progress":50}]"#)
}

@Test func socketPacketEncodesConnectAnswer() {
    let packet = SocketPacket(.connect, data: ["sid": "abc"])
    #expect(packet.encoded == #"0{"sid":"abc"}"#)
}

@Test func socketPacketDecodesNamespaceAndAck() throws {
    let packet = try SocketPacket.decode(#"2/admin,7["join","t1"]"#)
    #expect(packet.type == .event)
    #expect(packet.namespace == "/admin")
    #expect(packet.ackID == 7)
    #expect(packet.eventName == "join")
    #expect(packet.eventArguments == ["t1"])
}

@Test func socketPacketDecodesBareConnect() throws {
    let packet = try SocketPacket.decode("0")
    #expect(packet.type == .connect)
    #expect(packet.namespace == "/")
    #expect(packet.ackID == nil)
    #expect(packet.data == nil)
}

@Test func socketPacketDecodesNamespaceWithoutComma() throws {
    let packet = try SocketPacket.decode("0/admin")
    #expect(packet.namespace == "/admin")
}

@Test func socketPacketDecodesAck() throws {
    let packet = try SocketPacket.decode(#"31[{"ok":true}]"#)
    #expect(packet.type == .ack)
    #expect(packet.ackID == 1)
    #expect(packet.data == [["ok": true]])
}

@Test(arguments: [
    ("9", "unknown packet type"),
    (#"2{"a":1}"#, "must be a JSON array"),
    ("2[1]", "first element must be its name"),
    ("2[\"x\"", "invalid JSON"),
    (#"51-["x",{"_placeholder":true,"num":0}]"#, "binary packets are not supported"),
    ("21234567890123456[\"x\"]", "too large"),
])
func socketPacketRejectsInvalidText(text: String, reason: String) {
    #expect {
        try SocketPacket.decode(text)
    } throws: { error in
        "\(error)".contains(reason)
    }
}
