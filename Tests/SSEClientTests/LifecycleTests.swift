#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEAsyncHTTPClient
import SSEClient
import SSEProtocol
import SSETestSupport
import SSETransport
import Testing

/// Closing, restarting, error handlers, first-connection retry, request hooks and policies.
@Suite(.timeLimit(.minutes(1))) struct LifecycleTests {
    /// A script whose first connection sends one event and ends, and whose later connections
    /// send `data: N` (N = the request index) and stay open.
    private static let endsOnce: ScriptedServer.Script = { request, connection in
        try await connection.writeStreamHead()
        try await connection.write(sse("id: \(request.index)\ndata: \(request.index)"))
        if request.index > 0 { await connection.waitForClientToClose() }
    }

    private static let staysOpen: ScriptedServer.Script = { request, connection in
        try await connection.writeStreamHead()
        try await connection.write(sse("data: \(request.index)"))
        await connection.waitForClientToClose()
    }

    @Test func closeIsPromptInTheMiddleOfALongRetryWait() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsOnce) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: .testing(clock) { $0.retry = .constant(.seconds(3600)) }
                )
                #expect(try await stream.nextEvent().data == "0")
                #expect(try await clock.nextSleep() == .seconds(3600))
                stream.close()
                #expect(await stream.events.collect().isEmpty)
                #expect(await stream.errors.collect() == [.streamEnded])
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func closeIsIdempotentAndSafeFromManyTasks() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.staysOpen) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                #expect(try await stream.nextEvent().data == "0")
                await withDiscardingTaskGroup { group in
                    for _ in 0..<20 { group.addTask { stream.close() } }
                }
                stream.close()
                #expect(await stream.events.collect().isEmpty)
            }
        }
    }

    @Test func closeEndsAConsumerThatIsWaitingForEvents() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                async let drained = stream.events.collect()
                _ = try await server.nextRequest()
                stream.close()
                #expect(await drained.isEmpty)
            }
        }
    }

    @Test func restartDropsTheConnectionAndReconnectsAfterTheNormalDelay() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.staysOpen) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.lastEventID = "start"
                })
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "0")
                stream.restart()
                stream.restart()
                stream.restart()
                #expect(try await clock.nextSleep() == .seconds(3))
                #expect(server.requestCount == 1)
                stream.restart()
                clock.advance(by: .seconds(3))
                #expect(try await stream.nextEvent().data == "1")
                #expect(server.requestCount == 2)
                let requests = await server.requests.prefix(2).collect()
                #expect(requests.map { $0.headers["Last-Event-ID"] } == [["start"], ["start"]])
            }
        }
    }

    @Test func anEventARestartKeptFromTheConsumerIsNotSkippedOnReconnect() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                if request.index == 0 {
                    try await connection.write(sse("id: 1\ndata: a", "id: 2\ndata: b", "id: 3\ndata: c"))
                } else {
                    try await connection.write(sse("id: 9\ndata: z"))
                }
                await connection.waitForClientToClose()
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) { $0.bufferSize = 1 })
                defer { stream.close() }
                _ = try await server.nextRequest()
                stream.restart()
                clock.advance(by: try await clock.nextSleep())
                let resumed = try await server.nextRequest()
                // The reader held "1" for the consumer and was waiting to hand over "2" (or had
                // not read anything yet): it resumes after what the consumer will really see.
                let resumedFrom = resumed.headers["Last-Event-ID"]
                #expect(resumedFrom == ["1"] || resumedFrom.isEmpty)
                let expected = resumedFrom == ["1"] ? ["1", "9"] : ["9"]
                #expect(await stream.events.prefix(expected.count).map(\.id).collect() == expected)
            }
        }
    }

    @Test func restartAfterCloseDoesNothing() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.staysOpen) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                #expect(try await stream.nextEvent().data == "0")
                stream.close()
                stream.restart()
                #expect(await stream.events.collect().isEmpty)
                #expect(await stream.errors.collect().isEmpty)
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func anErrorHandlerReplacesTheErrorSequenceAndCanClose() async throws {
        try await withTimeout {
            let handled = Recorder<EventSourceError>()
            try await ScriptedServer.run(Self.endsOnce) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()) {
                    $0.errorHandler = { error in
                        handled.append(error)
                        return .close
                    }
                })
                #expect(try await stream.nextEvent().data == "0")
                #expect(await stream.events.collect().isEmpty)
                #expect(await stream.errors.collect().isEmpty)
                #expect(handled.values == [.streamEnded])
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func anErrorIsReportedOnlyAfterTheConsumerHasFinishedWithEveryEarlierEvent() async throws {
        try await withTimeout {
            let consumed = Recorder<String>()
            let seenByHandler = Recorder<[String]>()
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: a", "data: b", "data: c"))
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()) {
                    $0.errorHandler = { _ in
                        seenByHandler.append(consumed.values)
                        return .close
                    }
                })
                for await event in stream.events { consumed.append(event.data) }
                #expect(seenByHandler.values == [["a", "b", "c"]])
            }
        }
    }

    @Test func firstConnectionRetryKeepsTryingAndReportsToTheHandler() async throws {
        try await withTimeout {
            let handled = Recorder<EventSourceError>()
            try await ScriptedServer.run({ request, connection in
                if request.index < 2 {
                    try await connection.writeResponse(status: "503 Service Unavailable")
                } else {
                    try await Self.staysOpen(request, connection)
                }
            }) { server in
                let clock = TestClock()
                async let subscribed = EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.firstConnectionRetry = .forever
                    $0.errorHandler = { error in
                        handled.append(error)
                        return .proceed
                    }
                })
                clock.advance(by: try await clock.nextSleep())
                clock.advance(by: try await clock.nextSleep())
                let stream = try await subscribed
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "2")
                #expect(handled.values == [.httpStatus(503), .httpStatus(503)])
            }
        }
    }

    @Test func firstConnectionRetryGivesUpAfterItsTimeoutWithTheLastError() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "500 Internal Server Error")
            }) { server in
                let clock = TestClock()
                async let subscribed = EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.firstConnectionRetry = .timeout(.seconds(5))
                })
                clock.advance(by: try await clock.nextSleep())
                do {
                    _ = try await subscribed
                    Issue.record("subscribing succeeded")
                } catch let error as EventSourceError {
                    #expect(error == .httpStatus(500))
                }
                #expect(server.requestCount == 2)
            }
        }
    }

    @Test func aFailedFirstConnectionThrowsWithoutRetryByDefault() async throws {
        try await withTimeout {
            let server = try await ScriptedServer.run({ _, _ in }) { $0.url() }
            let transport = AsyncHTTPClientTransport(configuration: .init(connectTimeout: .milliseconds(100)))
            let error = try await #require(throws: EventSourceError.self) {
                try await EventSource.subscribe(to: server, configuration: .testing(TestClock()) { $0.transport = transport })
            }
            #expect(error == .connectionFailed)
            #expect(error.underlying != nil)
        }
    }

    @Test func cancellingTheSubscribingTaskStopsTheStream() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "500 Internal Server Error")
            }) { server in
                let clock = TestClock()
                let task = Task {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                        $0.firstConnectionRetry = .forever
                    })
                }
                _ = try await clock.nextSleep()
                task.cancel()
                await #expect(throws: CancellationError.self) { try await task.value }
            }
        }
    }

    @Test func aRequestWithMethodHeadersAndBodyIsSentAgainOnEveryReconnect() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsOnce) { server in
                let clock = TestClock()
                let request = ClientRequest(
                    url: server.url(), method: "REPORT", headers: ["X-Tenant": "blue"], body: Array("{\"q\":1}".utf8)
                )
                let stream = try await EventSource.subscribe(to: request, configuration: .testing(clock))
                defer { stream.close() }
                _ = try await stream.nextEvent()
                clock.advance(by: try await clock.nextSleep())
                let requests = await server.requests.prefix(2).collect()
                for recorded in requests {
                    #expect(recorded.method == "REPORT")
                    #expect(recorded.headers["X-Tenant"] == ["blue"])
                    #expect(recorded.bodyText == "{\"q\":1}")
                }
                #expect(requests.last?.headers["Last-Event-ID"] == ["0"])
            }
        }
    }

    @Test func theRequestHookRunsBeforeEveryAttemptAndSeesTheRequestItSentLastTime() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.endsOnce) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    // Go's dynamic query parameters: each attempt rewrites the previous attempt's query.
                    $0.prepareRequest = { request in
                        var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)!
                        let attempt = Int(components.queryItems?.first { $0.name == "attempt" }?.value ?? "0")! + 1
                        components.queryItems = [URLQueryItem(name: "attempt", value: "\(attempt)")]
                        var request = request
                        request.url = components.url!
                        request.headers["Authorization"] = "Bearer token-\(attempt)"
                        return request
                    }
                })
                defer { stream.close() }
                _ = try await stream.nextEvent()
                clock.advance(by: try await clock.nextSleep())
                let requests = await server.requests.prefix(2).collect()
                #expect(requests.map(\.uri) == ["/stream?attempt=1", "/stream?attempt=2"])
                #expect(requests.map { $0.headers["Authorization"] } == [["Bearer token-1"], ["Bearer token-2"]])
                #expect(requests.last?.headers["Last-Event-ID"] == ["0"])
            }
        }
    }

    @Test func theErrorHandlerHearsTheFailureThatEndsTheFirstConnectionRetry() async throws {
        try await withTimeout {
            let handled = Recorder<EventSourceError>()
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "500 Internal Server Error")
            }) { server in
                let clock = TestClock()
                async let subscribed = EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.firstConnectionRetry = .timeout(.seconds(5))
                    $0.errorHandler = { error in
                        handled.append(error)
                        return .proceed
                    }
                })
                clock.advance(by: try await clock.nextSleep())
                do {
                    _ = try await subscribed
                    Issue.record("subscribing succeeded")
                } catch let error as EventSourceError {
                    #expect(error == .httpStatus(500))
                }
                #expect(server.requestCount == 2)
                #expect(handled.values == [.httpStatus(500), .httpStatus(500)])
            }
        }
    }

    @Test func theErrorHandlerHearsAFirstConnectionFailureThatIsNotRetried() async throws {
        try await withTimeout {
            let handled = Recorder<EventSourceError>()
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "401 Unauthorized")
            }) { server in
                await #expect(throws: EventSourceError.httpStatus(401)) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()) {
                        $0.errorHandler = { error in
                            handled.append(error)
                            return .proceed
                        }
                    })
                }
                #expect(handled.values == [.httpStatus(401)])
            }
        }
    }

    @Test func theResponseHeadersOfTheCurrentConnectionAreExposed() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead(extraHeaders: "X-Connection: \(request.index)\r\n")
                try await connection.write(sse("data: \(request.index)"))
                if request.index > 0 { await connection.waitForClientToClose() }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                #expect(stream.responseHeaders?["X-Connection"] == "0")
                #expect(try await stream.nextEvent().data == "0")
                clock.advance(by: try await clock.nextSleep())
                #expect(try await stream.nextEvent().data == "1")
                #expect(stream.responseHeaders?["X-Connection"] == "1")
                #expect(stream.responseHeaders?["Content-Type"] == "text/event-stream")
            }
        }
    }

    @Test func aThrowingRequestHookFailsTheAttempt() async throws {
        struct NoToken: Error {}
        try await withTimeout {
            try await ScriptedServer.run(Self.staysOpen) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()) {
                        $0.prepareRequest = { _ in throw NoToken() }
                    })
                }
                #expect(error == .requestPreparationFailed)
                #expect(error.underlying is NoToken)
                #expect(server.requestCount == 0)
            }
        }
    }
}
