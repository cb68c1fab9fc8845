import SSETestSupport
import SSEClient
import SSELogging
import SSEProtocol
import Testing

/// Receiving events, the request headers, and what happens when a connection ends.
@Suite(.timeLimit(.minutes(1))) struct StreamingTests {
    @Test func deliversEventsWithTheirFieldsInOrder() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("id: 1\nevent: greeting\ndata: hello", "data: line one\ndata: line two", ": a comment\nid: 3\ndata: third"))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                defer { stream.close() }
                let first = try await stream.nextEvent()
                #expect(first == MessageEvent(id: "1", event: "greeting", data: "hello"))
                #expect(first.type == "greeting")
                let second = try await stream.nextEvent()
                #expect(second.data == "line one\nline two")
                #expect(second.type == "message")
                #expect(second.lastEventID == "1")
                #expect(try await stream.nextEvent().lastEventID == "3")
            }
        }
    }

    @Test func sendsAcceptAndCacheControlButNoLastEventIDByDefault() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url("/path?q=1"), configuration: .testing(TestClock()))
                defer { stream.close() }
                let request = try await server.nextRequest()
                #expect(request.method == "GET")
                #expect(request.uri == "/path?q=1")
                #expect(request.headers["Accept"] == ["text/event-stream"])
                #expect(request.headers["Cache-Control"] == ["no-cache"])
                #expect(request.headers["Last-Event-ID"].isEmpty)
            }
        }
    }

    @Test func sendsTheConfiguredInitialLastEventID() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: .testing(TestClock()) { $0.lastEventID = "abc" }
                )
                defer { stream.close() }
                #expect(try await server.nextRequest().headers["Last-Event-ID"] == ["abc"])
            }
        }
    }

    @Test func reconnectsWithTheNewestLastEventIDAfterACleanEnd() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                if request.index == 0 {
                    try await connection.write(sse("id: 1\ndata: a", "id: 2"))
                } else {
                    try await connection.write(sse("id: 3\ndata: c"))
                    await connection.waitForClientToClose()
                }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                #expect(try await stream.nextEvent().id == "1")
                #expect(try await stream.nextError() == .streamEnded)
                #expect(try await clock.nextSleep() == .seconds(3))
                #expect(server.requestCount == 1)
                clock.advance(by: .seconds(3))
                let requests = server.requests.prefix(2)
                var lastEventIDs: [[String]] = []
                for await request in requests { lastEventIDs.append(request.headers["Last-Event-ID"]) }
                #expect(lastEventIDs == [[], ["2"]])
                #expect(try await stream.nextEvent().id == "3")
            }
        }
    }

    @Test func stopsSendingLastEventIDAfterAnEmptyIDResetsIt() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                if request.index == 0 {
                    try await connection.write(sse("id: 1\ndata: a", "id\ndata: b"))
                } else {
                    await connection.waitForClientToClose()
                }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                #expect(try await stream.nextEvent().lastEventID == "1")
                #expect(try await stream.nextEvent().lastEventID == "")
                #expect(try await stream.nextError() == .streamEnded)
                _ = try await clock.nextSleep()
                clock.advance(by: .seconds(3))
                let requests = server.requests.prefix(2)
                var lastEventIDs: [[String]] = []
                for await request in requests { lastEventIDs.append(request.headers["Last-Event-ID"]) }
                #expect(lastEventIDs == [[], []])
            }
        }
    }

    @Test func anEndInTheMiddleOfAnEventDropsItAndIsReportedAsUnexpected() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                if request.index == 0 {
                    try await connection.write(sse("id: 1\ndata: whole") + "id: 2\ndata: part")
                } else {
                    try await connection.write(sse("id: 3\ndata: after"))
                    await connection.waitForClientToClose()
                }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "whole")
                #expect(try await stream.nextError() == .unexpectedEnd)
                _ = try await clock.nextSleep()
                clock.advance(by: .seconds(3))
                #expect(try await stream.nextEvent().data == "after")
                var requests = server.requests.makeAsyncIterator()
                _ = await requests.next()
                #expect(await requests.next()?.headers["Last-Event-ID"] == ["1"])
            }
        }
    }

    @Test func aReadTimeoutDropsTheConnectionAndReconnects() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                try await connection.writeStreamHead()
                if request.index > 0 { try await connection.write(sse("data: fresh")) }
                await connection.waitForClientToClose()
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: .testing(clock) { $0.readTimeout = .seconds(10) }
                )
                defer { stream.close() }
                #expect(try await clock.nextSleep() == .seconds(10))
                clock.advance(by: .seconds(10))
                let error = try await stream.nextError()
                #expect(error == .readTimeout)
                #expect(error != .streamEnded && error != .unexpectedEnd)
                #expect(try await clock.nextSleep() == .seconds(3))
                clock.advance(by: .seconds(3))
                #expect(try await stream.nextEvent().data == "fresh")
                #expect(server.requestCount == 2)
            }
        }
    }

    @Test func logsConnectionsAndErrorsToTheConfiguredLogger() async throws {
        try await withTimeout {
            let lines = Recorder<String>()
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("id: 5\ndata: x"))
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock) {
                    $0.logger = .lines(level: .debug) { lines.append($0) }
                })
                defer { stream.close() }
                _ = try await stream.nextEvent()
                _ = try await stream.nextError()
                _ = try await clock.nextSleep()
                let log = lines.values
                #expect(log.contains { $0.contains("connected") && $0.contains("sse.url=\(server.url().absoluteString)") })
                #expect(log.contains { $0.contains("stream error") && $0.contains("ended the event stream") })
                #expect(log.contains { $0.contains("reconnecting") && $0.contains("sse.last_event_id=5") })
            }
        }
    }

    @Test func commentsReachTheCommentHandlerInOrder() async throws {
        try await withTimeout {
            let (comments, sink) = AsyncStream<String>.makeStream()
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(":first\n: second\n\n")
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: .testing(TestClock()) { $0.commentHandler = { sink.yield($0) } }
                )
                defer { stream.close() }
                let received = await Array(comments.prefix(2))
                #expect(received == ["first", " second"])
            }
        }
    }

    @Test(arguments: [false, true])
    func goModeDeliversBlocksWithoutData(goMode: Bool) async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("event: ping", "id: 9\ndata: after"))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: .testing(TestClock()) { $0.dispatchesBlocksWithoutData = goMode }
                )
                defer { stream.close() }
                if goMode {
                    let ping = try await stream.nextEvent()
                    #expect(ping.event == "ping")
                    #expect(ping.data == "")
                }
                #expect(try await stream.nextEvent() == MessageEvent(id: "9", data: "after"))
            }
        }
    }

    @Test func anOversizedEventDropsTheConnection() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write("data: " + String(repeating: "x", count: 2000) + "\n")
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(
                    to: server.url(), configuration: .testing(TestClock()) { $0.maximumEventSize = 1024 }
                )
                defer { stream.close() }
                #expect(try await stream.nextError() == .eventTooLarge)
            }
        }
    }
}

extension AsyncSequence {
    /// Collects the whole sequence.
    func collect() async rethrows -> [Element] {
        try await reduce(into: []) { $0.append($1) }
    }
}

extension Array {
    init<S: AsyncSequence>(_ sequence: S) async where S.Element == Element, S.Failure == Never {
        self = await sequence.collect()
    }
}
