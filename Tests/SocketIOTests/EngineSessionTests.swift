import JumperCore
import SocketIO
import Testing

private let configuration = SocketIOConfiguration(pingInterval: 25, pingTimeout: 20, maxPacketsPerPoll: 16)

private func pollingSession(now: Double = 0) -> EngineSession {
    EngineSession(sid: "sid1", transport: .polling, configuration: configuration, now: now)
}

@Test func handshakeAnnouncesTimingAndUpgrades() throws {
    var session = pollingSession()
    let taken = session.takePollBatch()
    let batch = try #require(taken)
    #expect(batch.count == 1)
    #expect(batch[0].type == .open)
    let handshake = try JSON.parse(batch[0].data)
    #expect(handshake["sid"] == "sid1")
    #expect(handshake["upgrades"] == ["websocket"])
    #expect(handshake["pingInterval"] == 25000)
    #expect(handshake["pingTimeout"] == 20000)
    #expect(handshake["maxPayload"] == 1_000_000)
}

@Test func webSocketHandshakeOffersNoUpgrade() throws {
    var session = EngineSession(sid: "s", transport: .webSocket, configuration: configuration, now: 0)
    let batch = session.takeWebSocketBatch()
    #expect(batch.count == 1)
    #expect(try JSON.parse(batch[0].data)["upgrades"] == [])
}

@Test func pollReturnsAtMostSixteenPackets() {
    var session = pollingSession()
    _ = session.takePollBatch()
    for index in 0..<20 {
        #expect(session.enqueue(EnginePacket(.message, "\(index)")) == .wakePoll)
    }
    #expect(session.beginPoll() == .accepted)
    #expect(session.takePollBatch()?.count == 16)
    session.endPoll()
    #expect(session.beginPoll() == .accepted)
    #expect(session.takePollBatch()?.map(\.data) == ["16", "17", "18", "19"])
    #expect(session.takePollBatch() == nil)
}

@Test func overlappingPollIsRejected() {
    var session = pollingSession()
    #expect(session.beginPoll() == .accepted)
    guard case .rejected = session.beginPoll() else {
        Issue.record("a second concurrent poll was accepted")
        return
    }
    session.endPoll()
    #expect(session.beginPoll() == .accepted)
}

@Test func messagePacketIsDelivered() {
    var session = pollingSession()
    #expect(session.receive(EnginePacket(.message, "40"), now: 1) == [.deliver("40")])
}

@Test func heartbeatPingsThenTimesOut() {
    var session = pollingSession(now: 0)
    _ = session.takePollBatch()
    #expect(session.tick(now: 24.9) == [])
    #expect(session.tick(now: 25) == [.wakePoll])
    #expect(session.takePollBatch() == [EnginePacket(.ping)])
    #expect(session.tick(now: 44.9) == [])
    #expect(session.tick(now: 45) == [.wakePoll, .closeWebSocket, .closed(.pingTimeout)])
    #expect(session.phase == .closed(.pingTimeout))
}

@Test func pongDefersNextPing() {
    var session = pollingSession(now: 0)
    _ = session.tick(now: 25)
    #expect(session.receive(EnginePacket(.pong), now: 26) == [])
    #expect(session.tick(now: 50) == [])
    #expect(session.tick(now: 51) == [.wakePoll])
    #expect(session.isClosed == false)
}

@Test func clientCloseEndsSessionAndAnswersPollWithClose() {
    var session = pollingSession()
    _ = session.takePollBatch()
    #expect(session.receive(EnginePacket(.close), now: 1) == [.wakePoll, .closeWebSocket, .closed(.clientClosed)])
    #expect(session.takePollBatch() == [EnginePacket(.close)])
    #expect(session.enqueue(EnginePacket(.message, "x")) == nil)
}

@Test func upgradeProbeSwitchesToWebSocket() {
    var session = pollingSession()
    _ = session.takePollBatch()
    #expect(session.beginPoll() == .accepted)
    #expect(session.takePollBatch() == nil)

    let probeActions = session.receiveOnProbe(EnginePacket(.ping, "probe"))
    #expect(probeActions == [.sendOnProbe(EnginePacket(.pong, "probe")), .wakePoll])
    #expect(session.phase == .upgrading)
    // The parked poll is released with a noop so the client can pause polling.
    #expect(session.takePollBatch() == [EnginePacket(.noop)])
    session.endPoll()

    // Packets emitted during the upgrade wait and then go over the WebSocket.
    #expect(session.enqueue(EnginePacket(.message, "42[\"progress\",1]")) == .wakePoll)
    #expect(session.receiveOnProbe(EnginePacket(.upgrade)) == [.wakePoll, .flushWebSocket])
    #expect(session.transport == .webSocket)
    #expect(session.takeWebSocketBatch() == [EnginePacket(.message, "42[\"progress\",1]")])
    #expect(session.enqueue(EnginePacket(.message, "x")) == .flushWebSocket)
    guard case .rejected = session.beginPoll() else {
        Issue.record("a poll was accepted after the upgrade")
        return
    }
}

@Test func upgradeWithoutProbeIsIgnored() {
    var session = pollingSession()
    #expect(session.receiveOnProbe(EnginePacket(.upgrade)) == [])
    #expect(session.transport == .polling)
}

@Test func abortedProbeReturnsToPolling() {
    var session = pollingSession()
    _ = session.takePollBatch()
    _ = session.receiveOnProbe(EnginePacket(.ping, "probe"))
    session.abortUpgrade()
    #expect(session.phase == .open)
    #expect(session.takePollBatch() == nil)
}
