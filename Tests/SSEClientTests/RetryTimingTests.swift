import SSETestSupport
import SSEClient
import SSEProtocol
import SSETransport
import Testing

/// Retry delays, backoff, jitter, reset interval and reconnect policies, timed on a test clock.
@Suite(.timeLimit(.minutes(1))) struct RetryTimingTests {
    /// First connection: one event, then a clean end. Later connections: `status`.
    private static func endsThenAnswers(_ status: String, headers: String = "") -> ScriptedServer.Script {
        { request, connection in
            if request.index == 0 {
                try await connection.writeStreamHead()
                try await connection.write(sse("id: 1\ndata: first"))
            } else {
                try await connection.writeResponse(status: status, headers: headers)
            }
        }
    }

    @Test func aRetryFieldFromTheServerSetsTheNextDelay() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write("retry: 7000\ndata: slow down\n\n")
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                let event = try await stream.nextEvent()
                #expect(event.retry == .seconds(7))
                #expect(try await stream.nextError() == .streamEnded)
                #expect(try await clock.nextSleep() == .seconds(7))
            }
        }
    }

    @Test func backoffDoublesBetweenFailuresAndJitterUsesTheInjectedRandomSource() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsThenAnswers("500 Internal Server Error")) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.retry = RetryConfiguration(
                        initialDelay: .seconds(1),
                        strategy: ExponentialBackoff(maximumDelay: .seconds(4), jitter: 0.5, random: { 0.5 })
                    )
                })
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "first")
                var delays: [Duration] = []
                for _ in 0..<4 {
                    let delay = try await clock.nextSleep()
                    delays.append(delay)
                    clock.advance(by: delay)
                }
                #expect(delays == [.milliseconds(750), .milliseconds(1500), .seconds(3), .seconds(3)])
                #expect(server.requestCount == 4)
            }
        }
    }

    @Test func aConnectionThatStaysUpForTheResetIntervalStartsTheBackoffOver() async throws {
        try await withTimeout {
            let (releases, release) = AsyncStream<Void>.makeStream()
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: \(request.index)"))
                if request.index == 2 {
                    var iterator = releases.makeAsyncIterator()
                    await iterator.next()
                }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.retry = .exponentialBackoff(initial: .seconds(1), max: .seconds(60), resetInterval: .seconds(60))
                })
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "0")
                #expect(try await clock.nextSleep() == .seconds(1))
                clock.advance(by: .seconds(1))
                #expect(try await stream.nextEvent().data == "1")
                #expect(try await clock.nextSleep() == .seconds(2))
                clock.advance(by: .seconds(2))
                #expect(try await stream.nextEvent().data == "2")
                clock.advance(by: .seconds(60))
                release.yield()
                #expect(try await clock.nextSleep() == .seconds(1))
            }
        }
    }

    @Test func transientFailuresPolicyStopsAfter401() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsThenAnswers("401 Unauthorized")) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.reconnect = .transientFailures
                })
                #expect(try await stream.nextEvent().data == "first")
                #expect(try await stream.nextError() == .streamEnded)
                clock.advance(by: try await clock.nextSleep())
                #expect(try await stream.nextError() == .httpStatus(401))
                #expect(await stream.events.collect().isEmpty)
                #expect(server.requestCount == 2)
            }
        }
    }

    @Test func transientFailuresPolicyHonoursRetryAfter() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsThenAnswers("503 Service Unavailable", headers: "Retry-After: 30\r\n")) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.reconnect = .transientFailures
                })
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "first")
                clock.advance(by: try await clock.nextSleep())
                #expect(try await stream.nextError() == .streamEnded)
                #expect(try await stream.nextError() == .httpStatus(503))
                #expect(try await clock.nextSleep() == .seconds(30))
            }
        }
    }

    @Test func aOneShotStreamDoesNotReconnectAfterACleanEnd() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: token 1", "data: token 2"))
            }) { server in
                let request = ClientRequest(url: server.url("/v1/complete"), method: "POST", body: Array("{}".utf8))
                let stream = try await EventSource.subscribe(to: request, configuration: .testing(TestClock()) {
                    $0.reconnect = .transientFailures.stoppingAfterEnd()
                })
                #expect(await stream.events.map(\.data).collect() == ["token 1", "token 2"])
                #expect(await stream.errors.collect() == [.streamEnded])
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func anAttemptCapGivesUpAndClosesTheStream() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsThenAnswers("500 Internal Server Error")) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.reconnect = .always.limited(attempts: 2)
                })
                #expect(try await stream.nextEvent().data == "first")
                clock.advance(by: try await clock.nextSleep())
                clock.advance(by: try await clock.nextSleep())
                #expect(await stream.errors.collect() == [.streamEnded, .httpStatus(500), .httpStatus(500)])
                #expect(server.requestCount == 3)
            }
        }
    }
}
