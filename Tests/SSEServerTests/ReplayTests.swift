import SSEProtocol
import SSERepositories
import SSEServer
import Testing

@Suite("Replay")
struct ReplayTests {
    /// Go's NewsReplay example: ids "2", "1", "3" published in that order.
    private func articles() -> SliceRepository {
        let repository = SliceRepository()
        for id in ["2", "1", "3"] { repository.add(channel: "articles", MessageEvent(id: id, data: "article \(id)")) }
        return repository
    }

    @Test func lastEventIDReplaysFromThatIdInIdOrder() async throws {
        try await withEventServer(channels: ["articles"]) { server, port in
            server.register(articles(), for: "articles")
            let client = try await RawConnection.get("/articles", port: port, headers: ["Last-Event-ID": "1"])
            #expect(try await client.head()["SSE-Replay"] == "complete")
            #expect(try await client.events(3).map(\.id) == ["1", "2", "3"])
            await client.close()
        }
    }

    @Test func noLastEventIDMeansNoReplay() async throws {
        try await withEventServer(channels: ["articles"]) { server, port in
            server.register(articles(), for: "articles")
            let client = try await RawConnection.get("/articles", port: port)
            #expect(try await client.head()["SSE-Replay"] == nil)
            try server.publish(MessageEvent(id: "4", data: "live"), to: ["articles"])
            #expect(try await client.events(1).map(\.id) == ["4"])
            await client.close()
        }
    }

    @Test func replayAllReplaysWithoutLastEventID() async throws {
        try await withEventServer(.init(replayAll: true), channels: ["articles"]) { server, port in
            server.register(articles(), for: "articles")
            let client = try await RawConnection.get("/articles", port: port)
            #expect(try await client.events(3).map(\.id) == ["1", "2", "3"])
            await client.close()
        }
    }

    @Test func liveEventsPublishedDuringReplayFollowItInOrder() async throws {
        let repository = GatedRepository(history: (0..<500).map { MessageEvent(id: "h\($0)", data: "history \($0)") })
        try await withEventServer(.init(bufferSize: 256), channels: ["news"]) { server, port in
            server.register(repository, for: "news")
            let client = try await RawConnection.get("/news", port: port, headers: ["Last-Event-ID": "h0"])
            await repository.waitUntilReplayStarted()
            for index in 0..<200 { try server.publish(MessageEvent(id: "l\(index)", data: "live \(index)"), to: ["news"]) }
            repository.release()
            let ids = try await client.events(700).map(\.id)
            #expect(ids == (0..<500).map { "h\($0)" } + (0..<200).map { "l\($0)" })
            await client.close()
        }
    }

    @Test func aFailingRepositorySendsNoHistoryButStreamsLive() async throws {
        try await withEventServer(channels: ["news"]) { server, port in
            server.register(FailingRepository(), for: "news")
            let client = try await RawConnection.get("/news", port: port, headers: ["Last-Event-ID": "5"])
            #expect(try await client.head().status == 200)
            try server.publish(MessageEvent(id: "6", data: "live"), to: ["news"])
            #expect(try await client.events(1).map(\.id) == ["6"])
            await client.close()
        }
    }

    @Test func unregisterStopsReplay() async throws {
        try await withEventServer(channels: ["articles"]) { server, port in
            server.register(articles(), for: "articles")
            server.unregister(channel: "articles")
            let client = try await RawConnection.get("/articles", port: port, headers: ["Last-Event-ID": "1"])
            #expect(try await client.head()["SSE-Replay"] == nil)
            try server.publish(MessageEvent(id: "9", data: "live"), to: ["articles"])
            #expect(try await client.events(1).map(\.id) == ["9"])
            await client.close()
        }
    }
}

/// A repository whose replay yields its history only after the test calls ``release()``.
final class GatedRepository: Repository {
    private let history: [MessageEvent]
    private let gate = AsyncStream<Void>.makeStream()
    private let started = AsyncStream<Void>.makeStream()

    init(history: [MessageEvent]) {
        self.history = history
    }

    func replay(channel: String, lastEventID: String) async throws -> Replay {
        let (events, continuation) = AsyncThrowingStream<any ServerSentEvent, any Error>.makeStream()
        started.continuation.yield()
        for await _ in gate.stream { break }
        for event in history { continuation.yield(event) }
        continuation.finish()
        return Replay(coverage: .complete, events: events)
    }

    func waitUntilReplayStarted() async {
        for await _ in started.stream { break }
    }

    func release() {
        gate.continuation.yield()
    }
}

struct FailingRepository: Repository {
    struct Broken: Error {}

    func replay(channel: String, lastEventID: String) async throws -> Replay {
        throw Broken()
    }
}
