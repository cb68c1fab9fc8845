#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import PostgresNIO
@testable import SSEPostgres
import SSEProtocol
import SSERepositories
import SSEServer
import Testing

/// The throwaway PostgreSQL server that `Tools/postgres-cluster.sh start` exports as
/// `SSE_POSTGRES_URL`, and stores on it, each test in a schema of its own.
enum PostgresHarness {
    struct Missing: Error, CustomStringConvertible {
        /// The environment variable that is not set.
        var variable = "SSE_POSTGRES_URL"

        var description: String {
            "\(variable) is not set: run the tests through Tools/test.sh, or first "
                + "`eval \"$(Tools/postgres-cluster.sh start)\"`"
        }
    }

    /// The server's URL.
    ///
    /// - Throws: ``Missing``, which names the fix, when the test run started no server.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["SSE_POSTGRES_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    /// The PEM file of the authority that signed the server's TLS certificate (for 127.0.0.1 and
    /// localhost), which `Tools/postgres-cluster.sh start` exports as `SSE_POSTGRES_CA`.
    ///
    /// - Throws: ``Missing`` when the test run started no server.
    static func certificateAuthorityFile() throws -> String {
        guard let file = ProcessInfo.processInfo.environment["SSE_POSTGRES_CA"], !file.isEmpty else {
            throw Missing(variable: "SSE_POSTGRES_CA")
        }
        return file
    }

    /// A schema name no other test uses.
    static func freshSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// A store configuration for `schema`, with a small pool, on the server's URL unless given another.
    static func configuration(
        url: String? = nil, schema: String, retention: Retention = .unlimited, trimInterval: Duration = .seconds(3600),
        pageSize: Int = 256
    ) throws -> PostgresEventStore.Configuration {
        var configuration = try PostgresEventStore.Configuration(url: url ?? Self.url(), schema: schema, retention: retention)
        configuration.client.options.maximumConnections = 4
        configuration.trimInterval = trimInterval
        configuration.replayPageSize = pageSize
        return configuration
    }

    /// Runs `body` with running stores ("nodes") sharing one schema (a fresh one unless given), then stops them.
    static func withStores<Result: Sendable>(
        _ count: Int = 1,
        url: String? = nil,
        schema: String = freshSchema(),
        retention: Retention = .unlimited,
        pageSize: Int = 256,
        _ body: @Sendable ([PostgresEventStore]) async throws -> Result
    ) async throws -> Result {
        let stores = try (0..<count).map { _ in
            PostgresEventStore(configuration: try configuration(url: url, schema: schema, retention: retention, pageSize: pageSize))
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.run() } }
            defer { group.cancelAll() }
            for store in stores { try await store.waitUntilReady() }
            return try await body(stores)
        }
    }

    /// Runs `body` with nodes that each have a store and a listening broker, on one fresh schema
    /// (on the server's URL unless given another).
    static func withNodes<Result: Sendable>(
        _ count: Int,
        url: String? = nil,
        _ body: @Sendable ([(store: PostgresEventStore, broker: PostgresEventBroker)]) async throws -> Result
    ) async throws -> Result {
        try await withStores(count, url: url) { stores in
            let nodes = stores.map { ($0, PostgresEventBroker(store: $0)) }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes { group.addTask { try await node.1.run() } }
                defer { group.cancelAll() }
                for node in nodes { await node.1.waitUntilListening() }
                return try await body(nodes.map { (store: $0.0, broker: $0.1) })
            }
        }
    }

    /// Every event of a replay.
    static func collect(_ replay: Replay) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        for try await event in replay.events { events.append(try #require(event as? StoredEvent)) }
        return events
    }
}

/// Collects what a broker delivers; tests wait until enough has arrived (the suites' time
/// limit fails a test that waits forever).
final class BrokerInbox: Sendable {
    private struct State {
        var messages: [EventBrokerMessage] = []
        var waiters: [(Int, CheckedContinuation<[EventBrokerMessage], Never>)] = []
    }

    private let state = LockedState(State())

    init(_ broker: any EventBroker) {
        broker.attach { [state] message in
            let (ready, messages) = state.withLock { state in
                state.messages.append(message)
                let count = state.messages.count
                let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
                state.waiters.removeAll { $0.0 <= count }
                return (ready, state.messages)
            }
            for waiter in ready { waiter.resume(returning: messages) }
        }
    }

    var received: [EventBrokerMessage] { state.withLock { $0.messages } }

    /// Returns the messages once at least `count` have arrived.
    func wait(for count: Int) async -> [EventBrokerMessage] {
        await withCheckedContinuation { continuation in
            let messages = state.withLock { state -> [EventBrokerMessage]? in
                if state.messages.count >= count { return state.messages }
                state.waiters.append((count, continuation))
                return nil
            }
            if let messages { continuation.resume(returning: messages) }
        }
    }
}

extension EventBrokerMessage {
    /// The message's bytes as text.
    var text: String { String(decoding: bytes, as: UTF8.self) }
}
