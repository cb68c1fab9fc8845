import SSETestSupport
import SSEClient
import SSEProtocol
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Events decoded from JSON into a type.
@Suite(.timeLimit(.minutes(1))) struct DecodedEventsTests {
    struct Tick: Decodable, Sendable, Equatable {
        var n: Int
    }

    private static let configuration = EventSource.Configuration.testing(TestClock()) {
        $0.completion = .oneShot()
    }

    @Test func eachEventsDataDecodesIntoTheType() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: {\"n\":1}", "data: {\"n\":2}"))
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: Self.configuration)
                var ticks: [Tick] = []
                for await tick in stream.decoded(as: Tick.self) { ticks.append(tick) }
                #expect(ticks == [Tick(n: 1), Tick(n: 2)])
            }
        }
    }

    @Test func aBadEventIsReportedWithItsIdAndDataAndSkipped() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("id: 1\ndata: {\"n\":1}", "id: 2\ndata: not json", "id: 3\ndata: {\"n\":3}"))
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: Self.configuration)
                var ticks: [Tick] = []
                for await tick in stream.decoded(as: Tick.self) { ticks.append(tick) }
                #expect(ticks == [Tick(n: 1), Tick(n: 3)])
                let error = try await stream.nextError()
                #expect(error == .undecodableEvent)
                #expect(error.event?.id == "2")
                #expect(error.event?.data == "not json")
                #expect(error.underlying is DecodingError)
                #expect(stream.finalError == nil)
            }
        }
    }

    @Test func theCloseOptionEndsTheStreamAtTheFirstBadEvent() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: {\"n\":1}", "id: 9\ndata: {\"n\":\"nine\"}", "data: {\"n\":3}"))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: Self.configuration)
                var ticks: [Tick] = []
                for await tick in stream.decoded(as: Tick.self, onFailure: .close) { ticks.append(tick) }
                #expect(ticks == [Tick(n: 1)])
                let error = try #require(stream.finalError)
                #expect(error == .undecodableEvent)
                #expect(error.event?.id == "9")
            }
        }
    }

    @Test func anErrorHandlerHearsBadEventsAndCanCloseTheStream() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: oops", "data: {\"n\":2}"))
                await connection.waitForClientToClose()
            }) { server in
                let heard = Recorder<EventSourceError>()
                let configuration = EventSource.Configuration.testing(TestClock()) {
                    $0.errorHandler = { error in
                        heard.append(error)
                        return .close
                    }
                }
                let stream = try await EventSource.subscribe(to: server.url(), configuration: configuration)
                var ticks: [Tick] = []
                for await tick in stream.decoded(as: Tick.self) { ticks.append(tick) }
                #expect(ticks.isEmpty)
                #expect(heard.values.map(\.event?.data) == ["oops"])
                #expect(stream.finalError == .undecodableEvent)
            }
        }
    }

    @Test func onlyEventsOfTheChosenTypeAreDecodedWithTheGivenDecoder() async throws {
        struct Delta: Decodable, Sendable, Equatable {
            var textDelta: String
        }
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse(
                    "event: ping\ndata: {}",
                    "event: delta\ndata: {\"text_delta\":\"Hel\"}",
                    "event: delta\ndata: {\"text_delta\":\"lo\"}"
                ))
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: Self.configuration)
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = .convertFromSnakeCase
                var text = ""
                for await delta in stream.decoded(as: Delta.self, eventType: "delta", decoder: decoder) { text += delta.textDelta }
                #expect(text == "Hello")
                var errors: [EventSourceError] = []
                for await error in stream.errors { errors.append(error) }
                #expect(errors.isEmpty)
            }
        }
    }
}
