import JumperCore
import SocketIO
import Testing

private func connectedSession() -> SocketSession {
    var session = SocketSession(socketID: "sock1")
    _ = session.receive("0")
    return session
}

@Test func connectAnswersWithSocketID() {
    var session = SocketSession(socketID: "sock1")
    #expect(session.receive("0") == [.send(SocketPacket(.connect, data: ["sid": "sock1"]))])
    #expect(session.isConnected)
}

@Test func connectToOtherNamespaceFails() {
    var session = SocketSession(socketID: "sock1")
    let actions = session.receive("0/admin,")
    #expect(actions == [.send(SocketPacket(.connectError, namespace: "/admin", data: ["message": "Invalid namespace"]))])
    #expect(session.isConnected == false)
}

@Test(arguments: [
    (#"2["join","task-1"]"#, "task-1"),
    (#"2["join",{"task_id":"task-2"}]"#, "task-2"),
    (#"2["join",{"room":"task-3"}]"#, "task-3"),
    (#"2["join",{"task_id":42}]"#, "42"),
])
func joinAcceptsRoomForms(text: String, room: String) {
    var session = connectedSession()
    #expect(session.receive(text) == [.join(room: room, ack: nil)])
}

@Test func joinWithAckIDGetsAck() {
    var session = connectedSession()
    let ack = SocketPacket(.ack, ackID: 1, data: [["status": "joined", "room": "t1"]])
    #expect(session.receive(#"21["join",{"task_id":"t1"}]"#) == [.join(room: "t1", ack: ack)])
    #expect(ack.encoded == #"31[{"status":"joined","room":"t1"}]"#)
}

@Test func leaveRemovesRoom() {
    var session = connectedSession()
    let ack = SocketPacket(.ack, ackID: 4, data: [["status": "left", "room": "t1"]])
    #expect(session.receive(#"24["leave","t1"]"#) == [.leave(room: "t1", ack: ack)])
}

@Test func invalidJoinGetsErrorAck() throws {
    var session = connectedSession()
    let actions = session.receive(#"25["join",{"other":1}]"#)
    guard case .send(let packet) = try #require(actions.first) else {
        Issue.record("expected an error acknowledgement, got \(actions)")
        return
    }
    #expect(packet.type == .ack)
    #expect(packet.ackID == 5)
    #expect(packet.data?.arrayValue?.first?["error"] == "Invalid room")
}

@Test func unknownEventWithoutAckIsIgnored() {
    var session = connectedSession()
    guard case .ignored = session.receive(#"2["dance"]"#).first else {
        Issue.record("an unknown event was not ignored")
        return
    }
}

@Test func eventBeforeConnectIsIgnored() {
    var session = SocketSession(socketID: "sock1")
    guard case .ignored = session.receive(#"2["join","t1"]"#).first else {
        Issue.record("a join before connect was accepted")
        return
    }
}

@Test func disconnectLeavesNamespace() {
    var session = connectedSession()
    #expect(session.receive("1") == [.disconnected])
    #expect(session.isConnected == false)
}

@Test func malformedPacketIsIgnored() {
    var session = connectedSession()
    guard case .ignored(let reason) = session.receive("2{not json").first else {
        Issue.record("a malformed packet was not ignored")
        return
    }
    #expect(reason.contains("invalid Socket.IO packet"))
}
