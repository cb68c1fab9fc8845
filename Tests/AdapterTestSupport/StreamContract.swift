import Foundation
import SSEClient
import SSEProtocol
import SSERepositories
import SSEServer
import Testing

/// Checks, through a framework adapter's route at `url`, that a client resuming after the first of
/// three stored events receives exactly the other two and a complete replay: the same check for
/// every adapter.
///
/// - Parameters:
///   - server: The adapter's event server, with `store` registered for the channel `news`.
///   - store: The channel's store.
///   - url: The route that streams `news`.
public func expectReplayStrictlyAfterLastEventID(server: EventServer, store: RingRepository, url: URL) async throws {
    for text in ["one", "two", "three"] {
        _ = try await server.publish(MessageEvent(data: text), to: "news", storingIn: store)
    }
    var configuration = EventSource.Configuration()
    configuration.lastEventID = "1"
    let source = try await EventSource.subscribe(to: url, configuration: configuration)
    defer { source.close() }
    let events = await nextEvents(2, from: source)
    #expect(events.map(\.id) == ["2", "3"])
    #expect(events.map(\.data) == ["two", "three"])
    #expect(source.replayCoverage == .complete)
}

/// Checks, through a framework adapter's route at `url`, that a live event of the channel `news`
/// arrives whole, after an event-stream response head.
///
/// - Parameters:
///   - server: The adapter's event server.
///   - url: The route that streams `news`.
public func expectLiveEvents(server: EventServer, url: URL) async throws {
    let source = try await EventSource.subscribe(to: url)
    defer { source.close() }
    try await eventually("the subscription") { server.subscriberCount(channel: "news") == 1 }
    #expect(source.responseHeaders?["Content-Type"] == "text/event-stream; charset=utf-8")
    try server.publish(MessageEvent(id: "7", event: "headline", data: "live\nnews"), to: ["news"])
    #expect(await nextEvents(1, from: source) == [MessageEvent(id: "7", event: "headline", data: "live\nnews")])
}
