#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OpenAPIRuntime
import SSEClient
import SSENIOServer
import SSEOpenAPI
import SSEProtocol
import SSEServer
import Testing

/// OpenAPIRuntime's event types through a real `EventServer` and `EventSource`.
@Suite(.timeLimit(.minutes(1))) struct OpenAPIInteropTests {
    struct Tick: Codable, Sendable, Hashable {
        var n: Int
    }

    /// Runs `body` with a server publishing on channel `ticks` and a client subscribed to it.
    private func withStream(_ body: (EventServer, EventSource) async throws -> Void) async throws {
        let server = EventServer()
        let http = try await EmbeddedHTTPServer.start(routes: ["/ticks": server.handler(channel: "ticks")])
        let stream = try await EventSource.subscribe(to: URL(string: "http://127.0.0.1:\(http.port)/ticks")!)
        do {
            try await body(server, stream)
        } catch {
            stream.close()
            server.close()
            try await http.shutdown()
            throw error
        }
        stream.close()
        server.close()
        try await http.shutdown()
    }

    @Test func jsonEventsPublishedThroughTheServerArriveAsOpenAPIEvents() async throws {
        try await withStream { server, stream in
            for n in 1...3 {
                let event = ServerSentEventWithJSONData(event: "tick", data: Tick(n: n), id: "\(n)")
                try server.publish(try MessageEvent(event), to: ["ticks"])
            }
            var received: [ServerSentEventWithJSONData<Tick>] = []
            for try await event in stream.events.openAPIEvents(of: Tick.self) {
                received.append(event)
                if received.count == 3 { break }
            }
            #expect(received == (1...3).map { ServerSentEventWithJSONData(event: "tick", data: Tick(n: $0), id: "\($0)") })
        }
    }

    @Test func plainEventsKeepTheirFieldsAndAbsentOnesStayNil() async throws {
        try await withStream { server, stream in
            try server.publish(MessageEvent(OpenAPIRuntime.ServerSentEvent(id: "a", event: "note", data: "line 1\nline 2")), to: ["ticks"])
            try server.publish(MessageEvent(OpenAPIRuntime.ServerSentEvent(data: "plain")), to: ["ticks"])
            var received: [OpenAPIRuntime.ServerSentEvent] = []
            for try await event in stream.events.openAPIEvents() {
                received.append(event)
                if received.count == 2 { break }
            }
            #expect(received[0] == OpenAPIRuntime.ServerSentEvent(id: "a", event: "note", data: "line 1\nline 2"))
            // The stream's last event ID stays "a" on the wire, but the second event carried no id.
            #expect(received[1].id == nil)
            #expect(received[1].event == nil)
            #expect(received[1].data == "plain")
        }
    }

    @Test func anEventThatDoesNotDecodeThrowsWithItsIdAndData() async throws {
        try await withStream { server, stream in
            try server.publish(MessageEvent(id: "7", data: "{\"n\":\"seven\"}"), to: ["ticks"])
            var iterator = stream.events.openAPIEvents(of: Tick.self).makeAsyncIterator()
            let error = try await #require(throws: OpenAPIEventDecodingError.self) { _ = try await iterator.next() }
            #expect(error.event.id == "7")
            #expect(error.event.data == "{\"n\":\"seven\"}")
            #expect(error.description.contains("event \"7\""))
        }
    }

    @Test func retryConvertsBetweenMillisecondsAndDuration() throws {
        let event = MessageEvent(OpenAPIRuntime.ServerSentEvent(data: "x", retry: 1500))
        #expect(event.retry == .milliseconds(1500))
        #expect(OpenAPIRuntime.ServerSentEvent(event).retry == 1500)
        #expect(MessageEvent(OpenAPIRuntime.ServerSentEvent(data: "x", retry: -1)).retry == nil)
        #expect(try EventEncoder().encode(event, retry: event.retry) == Array("retry: 1500\ndata: x\n\n".utf8))
    }

    @Test func aJSONEventWithoutPayloadHasEmptyData() throws {
        let event = try MessageEvent(ServerSentEventWithJSONData<Tick>(event: "ping"))
        #expect(event.data == "")
        #expect(event.event == "ping")
    }
}
