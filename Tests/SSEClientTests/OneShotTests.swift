import SSETestSupport
import SSEClient
import SSEProtocol
import SSETransport
import Testing

/// One-shot streams, as streamed APIs (LLM completions) send them.
@Suite(.timeLimit(.minutes(1))) struct OneShotTests {
    private static func oneShot(
        _ clock: TestClock,
        terminator: EventSource.Terminator? = nil,
        errorEventType: String? = nil
    ) -> EventSource.Configuration {
        .testing(clock) { $0.completion = .oneShot(terminator: terminator, errorEventType: errorEventType) }
    }

    @Test func theDefaultCompletionReconnectsAfterTheStreamEnds() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: \(request.index)"))
                if request.index > 0 { await connection.waitForClientToClose() }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "0")
                #expect(try await stream.nextError() == .streamEnded)
                clock.advance(by: try await clock.nextSleep())
                #expect(try await stream.nextEvent().data == "1")
            }
        }
    }

    @Test func aOneShotStreamFinishesQuietlyWhenTheResponseEnds() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: a", "data: b"))
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: Self.oneShot(TestClock()))
                var received: [String] = []
                for await event in stream.events { received.append(event.data) }
                #expect(received == ["a", "b"])
                var errors: [EventSourceError] = []
                for await error in stream.errors { errors.append(error) }
                #expect(errors.isEmpty)
                #expect(stream.finalError == nil)
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func aTerminatorEndsTheStreamAndIsNotDelivered() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: one", "data: two", "data: [DONE]", "data: after"))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: Self.oneShot(TestClock(), terminator: .data("[DONE]"))
                )
                var received: [String] = []
                for await event in stream.events { received.append(event.data) }
                #expect(received == ["one", "two"])
                #expect(stream.finalError == nil)
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func aPredicateTerminatorMatchesByEventType() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("event: delta\ndata: x", "event: message_stop\ndata: {}"))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: Self.oneShot(TestClock(), terminator: .eventType("message_stop"))
                )
                var received: [String] = []
                for await event in stream.events { received.append(event.event) }
                #expect(received == ["delta"])
            }
        }
    }

    @Test func anErrorEventEndsTheStreamWithATypedError() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: partial", "id: 7\nevent: error\ndata: {\"message\":\"overloaded\"}", "data: never"))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: Self.oneShot(TestClock(), errorEventType: "error")
                )
                var received: [String] = []
                for await event in stream.events { received.append(event.data) }
                #expect(received == ["partial"])
                let error = try #require(stream.finalError)
                #expect(error == .errorEvent)
                #expect(error.event?.id == "7")
                #expect(error.event?.data == "{\"message\":\"overloaded\"}")
                #expect(error.description.contains("overloaded"))
                #expect(try await stream.nextError() == .errorEvent)
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func aOneShotStreamDoesNotReconnectAfterAFailure() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: one") + "data: cut in the mid")
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: Self.oneShot(TestClock()))
                var received: [String] = []
                for await event in stream.events { received.append(event.data) }
                #expect(received == ["one"])
                #expect(stream.finalError == .unexpectedEnd)
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func aPostWithAJSONBodyIsSentAndANon200BodyIsReadable() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                if request.index == 0 {
                    try await connection.writeResponse(status: "429 Too Many Requests", body: "{\"error\":\"rate limited\"}")
                } else {
                    try await connection.writeStreamHead()
                    try await connection.write(sse("data: \(request.bodyText)", "data: [DONE]"))
                }
            }) { server in
                var request = ClientRequest(url: server.url(), method: "POST")
                request.headers["Content-Type"] = "application/json"
                request.headers["Authorization"] = "Bearer test"
                request.body = Array("{\"prompt\":\"hi\"}".utf8)
                let configuration = Self.oneShot(TestClock(), terminator: .data("[DONE]"))
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: request, configuration: configuration)
                }
                #expect(error.statusCode == 429)
                #expect(error.body == "{\"error\":\"rate limited\"}")

                let stream = try await EventSource.subscribe(to: request, configuration: configuration)
                var received: [String] = []
                for await event in stream.events { received.append(event.data) }
                #expect(received == ["{\"prompt\":\"hi\"}"])
                let sent = try await server.nextRequest()
                #expect(sent.method == "POST")
                #expect(sent.headers["Authorization"] == ["Bearer test"])
            }
        }
    }
}
