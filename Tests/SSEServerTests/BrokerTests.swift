import SSENIOServer
import SSEProtocol
import SSEServer
import SSETransport
import Testing

@Suite("Broker seam")
struct BrokerTests {
    @Test func publicationsTravelThroughTheBrokerEncodedOnce() async throws {
        let broker = RecordingBroker()
        let server = EventServer(broker: broker)
        try server.publish(MessageEvent(id: "7", data: "hi"), to: ["a", "b"])
        try server.publishComment("note", to: ["a"])
        #expect(broker.messages == [
            EventBrokerMessage(channels: ["a", "b"], bytes: Array("id: 7\ndata: hi\n\n".utf8)),
            EventBrokerMessage(channels: ["a"], bytes: Array(":note\n".utf8)),
        ])
    }

    @Test func messagesFromAnotherNodeReachLocalSubscribers() async throws {
        let broker = LocalEventBroker()
        let server = EventServer(broker: broker)
        let http = try await EmbeddedHTTPServer.start(routes: ["/time": server.handler(channel: "time")])
        let client = try await RawConnection.get("/time", port: http.port)
        _ = try await client.head()
        broker.publish(EventBrokerMessage(channels: ["time"], bytes: Array("data: from elsewhere\n\n".utf8)))
        #expect(try await client.events(1).map(\.data) == ["from elsewhere"])
        await client.close()
        server.close()
        try await http.shutdown()
    }
}

/// A broker that records what it is asked to publish and delivers it locally.
final class RecordingBroker: EventBroker {
    private let local = LocalEventBroker()
    private let recorded = LockedState<[EventBrokerMessage]>([])

    var messages: [EventBrokerMessage] { recorded.withLock { $0 } }

    func attach(_ receiver: @escaping @Sendable (EventBrokerMessage) -> Void) {
        local.attach(receiver)
    }

    func publish(_ message: EventBrokerMessage) {
        recorded.withLock { $0.append(message) }
        local.publish(message)
    }
}
