import Logging
import PostgresNIO
@testable import SSEPostgres
import SSEProtocol
import SSERepositories
import SSEServer
import Testing

@Suite("PostgresEventBroker", .timeLimit(.minutes(1)))
struct PostgresEventBrokerTests {
    @Test func everyNodeDeliversEveryAppendInSequenceOrderThroughListen() async throws {
        try await PostgresHarness.withNodes(2) { nodes in
            let inboxes = nodes.map { BrokerInbox($0.broker) }
            for index in 1...20 {
                _ = try await nodes[index % 2].store.append(MessageEvent(data: "\(index)"), to: "c")
            }
            for inbox in inboxes {
                let messages = await inbox.wait(for: 20)
                #expect(messages.map(\.sequence) == Array(1...20))
                #expect(messages.map(\.channels) == Array(repeating: ["c"], count: 20))
                #expect(messages.last?.text == "id: 20\ndata: 20\n\n")
            }
        }
    }

    @Test func aServerPublishingThroughTheStoreLeavesDeliveryToListen() async throws {
        try await PostgresHarness.withNodes(1) { nodes in
            let node = nodes[0]
            #expect(node.broker.carriesAppends(to: node.store))
            #expect(!node.broker.carriesAppends(to: RingRepository()))
            let inbox = BrokerInbox(node.broker)
            let server = EventServer(broker: node.broker)
            _ = try await server.publish(MessageEvent(id: "a", data: "1"), to: "c", storingIn: node.store)
            _ = try await server.publish(MessageEvent(id: "a", data: "1"), to: "c", storingIn: node.store)
            _ = try await server.publish(MessageEvent(id: "b", data: "2"), to: "c", storingIn: node.store)
            let messages = await inbox.wait(for: 2)
            #expect(messages.map(\.text) == ["id: a\ndata: 1\n\n", "id: b\ndata: 2\n\n"])
            server.close()
        }
    }

    @Test(arguments: [8_000, 100_000])
    func eventsTooLargeForANotificationAreReadFromTheTable(_ size: Int) async throws {
        try await PostgresHarness.withNodes(2) { nodes in
            let inbox = BrokerInbox(nodes[1].broker)
            let large = String(repeating: "x", count: size)
            _ = try await nodes[0].store.append(MessageEvent(data: large), to: "c")
            _ = try await nodes[0].store.append(MessageEvent(data: "nul\u{0}inside"), to: "c")
            _ = try await nodes[0].store.append(MessageEvent(data: "small"), to: "c")
            let messages = await inbox.wait(for: 3)
            #expect(messages.map(\.text) == ["id: 1\ndata: \(large)\n\n", "id: 2\ndata: nul\u{0}inside\n\n", "id: 3\ndata: small\n\n"])
        }
    }

    @Test func publicationsWithoutTheStoreReachEveryNode() async throws {
        try await PostgresHarness.withNodes(2) { nodes in
            let inbox = BrokerInbox(nodes[1].broker)
            let server = EventServer(broker: nodes[0].broker)
            try server.publish(MessageEvent(data: "hello"), to: ["a", "b"])
            try server.publishComment("note", to: ["a"])
            let messages = await inbox.wait(for: 2)
            #expect(messages[0] == EventBrokerMessage(channels: ["a", "b"], bytes: Array("data: hello\n\n".utf8)))
            #expect(messages[1] == EventBrokerMessage(channels: ["a"], bytes: Array(":note\n".utf8)))
            server.close()
        }
    }

    @Test func unstoredPublicationsBeyondTheOutboxCapacityAreDropped() async throws {
        try await PostgresHarness.withStores(2) { stores in
            let receiving = PostgresEventBroker(store: stores[1])
            let sending = PostgresEventBroker(store: stores[0], configuration: .init(outboxCapacity: 1))
            let inbox = BrokerInbox(receiving)
            let message = { (text: String) in EventBrokerMessage(channels: ["c"], bytes: Array("data: \(text)\n\n".utf8)) }
            // The sender is not running yet: the first waits, the second finds the outbox full.
            sending.publish(message("kept"))
            sending.publish(message("dropped"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await receiving.run() }
                await receiving.waitUntilListening()
                group.addTask { try await sending.run() }
                #expect(await inbox.wait(for: 1) == [message("kept")])
                sending.publish(message("later"))
                #expect(await inbox.wait(for: 2) == [message("kept"), message("later")])
                group.cancelAll()
                // Both brokers return when cancelled; anything they throw fails the test.
                try await group.waitForAll()
            }
        }
    }

    @Test func aListeningConnectionTerminatedByTheDatabaseCatchesUpWithoutLossOrDuplicate() async throws {
        try await PostgresHarness.withNodes(2) { nodes in
            let listener = nodes[1]
            let inbox = BrokerInbox(listener.broker)
            let publisher = Task {
                for index in 1...200 {
                    _ = try await nodes[0].store.append(MessageEvent(data: "\(index)"), to: index % 2 == 0 ? "even" : "odd")
                }
            }
            _ = await inbox.wait(for: 20)
            let terminated = try await listener.store.client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE query = \("LISTEN \"\(listener.store.tables.notificationChannel)\";") AND pid <> pg_backend_pid()
                """
            )
            var count = 0
            for try await ok in terminated.decode(Bool.self) where ok { count += 1 }
            #expect(count == 2)
            await listener.broker.waitUntilListening(connections: 2)
            try await publisher.value
            let messages = await inbox.wait(for: 200)
            #expect(messages.count == 200)
            for channel in ["even", "odd"] {
                #expect(messages.filter { $0.channels == [channel] }.map(\.sequence) == Array(1...100))
            }
        }
    }
}
