import Foundation
import SSEClient
import SSENIOServer
import SSEProtocol
import SSERepositories
import SSESQLite
import SSEServer
import SSETransport
import Testing

/// An `EventServer` publishing through a store, over real sockets on 127.0.0.1, read by the
/// project's `EventSource`.
@Suite(.timeLimit(.minutes(1))) struct StoreServerTests {
    /// Runs `body` with a server whose `/news` streams the channel "news" from `store`.
    private func withServer<T>(
        _ store: any EventStore,
        _ body: (EventServer, URL) async throws -> T
    ) async throws -> T {
        let server = EventServer(configuration: .init(bufferSize: 1_024))
        server.register(store, for: "news")
        let http = try await EmbeddedHTTPServer.start(routes: ["/news": server.handler(channel: "news")])
        do {
            let result = try await body(server, URL(string: "http://127.0.0.1:\(http.port)/news")!)
            server.close()
            try await http.shutdown()
            return result
        } catch {
            server.close()
            try? await http.shutdown()
            throw error
        }
    }

    /// Subscribes with a last event ID and reads `count` events.
    private func receive(_ count: Int, from url: URL, after lastEventID: String = "") async throws
        -> (ReplayCoverage?, [MessageEvent])
    {
        var configuration = EventSource.Configuration()
        configuration.lastEventID = lastEventID
        let stream = try await EventSource.subscribe(to: url, configuration: configuration)
        defer { stream.close() }
        var events: [MessageEvent] = []
        for await event in stream.events.prefix(count) { events.append(event) }
        return (stream.replayCoverage, events)
    }

    @Test(arguments: StoreKind.allCases)
    func publishingThroughAStoreDeliversWhatWasStoredExactlyOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await withServer(store) { server, url in
                async let received = receive(3, from: url)
                while server.subscriberCount(channel: "news") == 0 { await Task.yield() }
                let assigned = try await server.publish(MessageEvent(data: "no id"), to: "news", storingIn: store)
                let first = try await server.publish(MessageEvent(id: "x", data: "once"), to: "news", storingIn: store)
                let retry = try await server.publish(MessageEvent(id: "x", data: "retry"), to: "news", storingIn: store)
                _ = try await server.publish(MessageEvent(id: "y", data: "next"), to: "news", storingIn: store)
                #expect(assigned.event.id == "1")
                #expect(retry == .duplicate(first.event))
                #expect(try await received.1.map(\.data) == ["no id", "once", "next"])
                #expect(try await received.1.map(\.id) == ["1", "x", "y"])
            }
        }
    }

    @Test func resumesFromTheSQLiteFileAfterARestartAndTellsTheTruth() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path) { store in
                try await withServer(store) { server, _ in
                    for index in 1...3 {
                        _ = try await server.publish(MessageEvent(data: "event \(index)"), to: "news", storingIn: store)
                    }
                }
            }
            try await withSQLite(at: path) { store in
                try await withServer(store) { server, url in
                    let (coverage, resumed) = try await receive(1, from: url, after: "2")
                    #expect(coverage == .complete)
                    #expect(resumed.map(\.data) == ["event 3"])
                    let (lost, everything) = try await receive(3, from: url, after: "from another server")
                    #expect(lost == .reset)
                    #expect(everything.map(\.id) == ["1", "2", "3"])
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func replayAndLiveEventsHandOverWithoutGapOrDuplicate(kind: StoreKind) async throws {
        let history = 300
        let live = 200
        try await withStore(kind) { base in
            for index in 1...history { _ = try await base.append(MessageEvent(data: "history \(index)"), to: "news") }
            let store = GatedStore(base: base)
            try await withServer(store) { server, url in
                async let received = receive(history + live, from: url, after: "1")
                // The subscriber is registered and its live queue fills while its replay waits;
                // the replay then reads all of these too, and the server must drop the copies.
                await store.replayStarted.wait()
                for index in 1...live {
                    _ = try await server.publish(MessageEvent(data: "live \(index)"), to: "news", storingIn: store)
                }
                store.release.raise()
                await store.replayRead.wait()
                // Published after the replay's read, so it comes live, after any duplicate.
                _ = try await server.publish(MessageEvent(data: "last"), to: "news", storingIn: store)
                let (coverage, events) = try await received
                #expect(coverage == .complete)
                #expect(events.map(\.id) == (2...(history + live + 1)).map(String.init))
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func liveEventsPublishedWhileAReplayIsSentFollowIt(kind: StoreKind) async throws {
        let history = 300
        let live = 200
        try await withStore(kind) { store in
            for index in 1...history { _ = try await store.append(MessageEvent(data: "history \(index)"), to: "news") }
            try await withServer(store) { server, url in
                let publisher = Task {
                    while server.subscriberCount(channel: "news") == 0 { await Task.yield() }
                    for index in 1...live {
                        _ = try await server.publish(MessageEvent(data: "live \(index)"), to: "news", storingIn: store)
                    }
                }
                async let received = receive(history + live, from: url, after: "1")
                try await publisher.value
                _ = try await server.publish(MessageEvent(data: "last"), to: "news", storingIn: store)
                let (coverage, events) = try await received
                #expect(coverage == .complete)
                #expect(events.map(\.id) == (2...(history + live + 1)).map(String.init))
            }
        }
    }
}
