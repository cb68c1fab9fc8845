import Foundation
import SSEAsyncHTTPClient
import SSEClient
import SSEProtocol
import SSEServer
import Testing

/// `EventSource` over HTTP/2 with TLS: AsyncHTTPClient negotiates h2 and multiplexes every stream
/// to one host on one connection; the test hands it an `HTTPClient` that trusts the test
/// authority, so `SSEClient` itself needs no TLS settings.
@Suite("EventSource over HTTP/2")
struct EventSourceOverHTTP2Tests {
    @Test func twoHundredStreamsShareOneTLSConnection() async throws {
        // The server serves one connection: a stream on any other would get 503. Its request
        // timeout must not close the connection between the first request and the streams while
        // the whole suite loads the machine; it is not under test here.
        try await TLSFixture.run(http: {
            $0.maximumConnections = 1
            $0.requestTimeout = .seconds(120)
        }) { fixture in
            // Open the connection first, so every stream finds it negotiated as h2.
            let first = try await fixture.get("/peer")
            #expect(first.version == .http2)
            var settings = EventSource.Configuration()
            settings.transport = AsyncHTTPClientTransport(client: fixture.client, decompresses: false)
            let configuration = settings
            let url = URL(string: fixture.base + "/time")!
            let streams = try await withThrowingTaskGroup(of: EventSource.self) { group in
                for _ in 0..<200 {
                    group.addTask { try await EventSource.subscribe(to: url, configuration: configuration) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(fixture.events.subscriberCount(channel: "time") == 200)
            try fixture.events.publish(MessageEvent(id: "1", data: "to all"), to: ["time"])
            let received = await withTaskGroup(of: MessageEvent?.self) { group in
                for stream in streams {
                    group.addTask {
                        for await event in stream.events { return event }
                        return nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(received.count == 200)
            #expect(received.allSatisfy { $0 == MessageEvent(id: "1", data: "to all") })
            for stream in streams { stream.close() }
        }
    }
}
