#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEAsyncHTTPClient
import SSEClient
import SSENIOServer
import SSEProtocol
import SSERepositories
import SSEServer
import SSETestSupport
import SSETransport
import Testing

/// The client against the project's own server: streaming, replay after a reconnection, gzip.
@Suite(.timeLimit(.minutes(1))) struct ProjectServerTests {
    /// A transport that remembers the response headers of every request.
    private final class HeaderRecordingTransport: ClientTransport {
        let responses = Recorder<HTTPHeaderFields>()

        func send(_ request: ClientRequest) async throws -> ClientResponse {
            let response = try await AsyncHTTPClientTransport.shared.send(request)
            responses.append(response.headers)
            return response
        }
    }

    private static func withServer<R: Sendable>(
        _ configuration: EventServer.Configuration = .init(),
        _ body: @Sendable (EventServer, URL) async throws -> R
    ) async throws -> R {
        let events = EventServer(configuration: configuration)
        let http = try await EmbeddedHTTPServer.start(routes: ["/news": events.handler(channel: "news")])
        do {
            let result = try await body(events, URL(string: "http://127.0.0.1:\(http.port)/news")!)
            events.close()
            try await http.shutdown()
            return result
        } catch {
            events.close()
            try? await http.shutdown()
            throw error
        }
    }

    @Test func receivesWhatTheServerPublishes() async throws {
        try await withTimeout {
            try await Self.withServer { server, url in
                let stream = try await EventSource.subscribe(to: url, configuration: .testing(TestClock()))
                defer { stream.close() }
                #expect(server.subscriberCount(channel: "news") == 1)
                for id in 1...3 {
                    try server.publish(MessageEvent(id: "\(id)", event: "headline", data: "story \(id)\nmore"), to: ["news"])
                }
                var received: [MessageEvent] = []
                for await event in stream.events.prefix(3) { received.append(event) }
                #expect(received == (1...3).map { MessageEvent(id: "\($0)", event: "headline", data: "story \($0)\nmore") })
            }
        }
    }

    @Test func resumesWithLastEventIDAndReceivesTheReplay() async throws {
        try await withTimeout {
            let repository = RingRepository()
            for id in 1...2 { _ = try await repository.append(MessageEvent(id: "\(id)", data: "event \(id)"), to: "news") }
            try await Self.withServer(.init(replayAll: true)) { server, url in
                server.register(repository, for: "news")
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: url, configuration: .testing(clock))
                defer { stream.close() }
                #expect(try await stream.nextEvent().id == "1")
                #expect(try await stream.nextEvent().id == "2")
                _ = try await repository.append(MessageEvent(id: "3", data: "missed while away"), to: "news")
                stream.restart()
                clock.advance(by: try await clock.nextSleep())
                let replayed = try await stream.nextEvent()
                #expect(replayed == MessageEvent(id: "3", data: "missed while away"))
                #expect(stream.replayCoverage == .complete)
            }
        }
    }

    @Test func decodesTheServersGzipStream() async throws {
        try await withTimeout {
            try await Self.withServer(.init(gzip: true)) { server, url in
                let transport = HeaderRecordingTransport()
                let stream = try await EventSource.subscribe(
                    to: url, configuration: .testing(TestClock()) { $0.transport = transport }
                )
                defer { stream.close() }
                try server.publish(MessageEvent(id: "z", data: String(repeating: "compressible ", count: 50)), to: ["news"])
                #expect(try await stream.nextEvent().data == String(repeating: "compressible ", count: 50))
                #expect(transport.responses.values.first?["Content-Encoding"] == "gzip")
            }
        }
    }

    /// The default transport holds many streams to one host at once; AsyncHTTPClient's own pool
    /// allows 8, so the 9th would wait for a connection until the connect timeout.
    @Test func fiftyStreamsToOneHostAllReceiveEveryEvent() async throws {
        try await withTimeout(seconds: 50) {
            try await Self.withServer { server, url in
                let streams = try await withThrowingTaskGroup(of: EventSource.self) { group in
                    for _ in 0..<50 {
                        group.addTask { try await EventSource.subscribe(to: url, configuration: .testing(TestClock())) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                defer { streams.forEach { $0.close() } }
                #expect(server.subscriberCount(channel: "news") == 50)
                try server.publish(MessageEvent(id: "1", data: "to everyone"), to: ["news"])
                let received = try await withThrowingTaskGroup(of: MessageEvent.self) { group in
                    for stream in streams { group.addTask { try await stream.nextEvent() } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(received == Array(repeating: MessageEvent(id: "1", data: "to everyone"), count: 50))
            }
        }
    }

    @Test func aStreamThatGetsNoConnectionFromThePoolReportsItToTheErrorHandler() async throws {
        try await withTimeout {
            try await Self.withServer { server, url in
                // The pool's wait is the connect timeout: short, so the second stream fails soon,
                // yet long enough for the first stream to connect while the whole suite loads two
                // cores (2 s once timed out the first connection itself).
                let transport = AsyncHTTPClientTransport(
                    configuration: .init(connectTimeout: .seconds(5), maximumConnectionsPerHost: 1)
                )
                let first = try await EventSource.subscribe(to: url, configuration: .testing(TestClock()) { $0.transport = transport })
                defer { first.close() }
                let handled = Recorder<EventSourceError>()
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: url, configuration: .testing(TestClock()) {
                        $0.transport = transport
                        $0.errorHandler = { error in
                            handled.append(error)
                            return .proceed
                        }
                    })
                }
                #expect(error == .connectionFailed)
                #expect(String(describing: error.underlying).contains("getConnectionFromPoolTimeout"))
                #expect(handled.values == [.connectionFailed])
                #expect(server.subscriberCount(channel: "news") == 1)
            }
        }
    }
}
