import SSETestSupport
import CompressNIO
import NIOCore
import SSEClient
import SSEProtocol
import Testing

/// Statuses, redirects, content types and content codings.
@Suite(.timeLimit(.minutes(1))) struct ResponseTests {
    @Test func aNon200FirstResponseThrowsAnErrorWithStatusHeadersAndBody() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "500 Internal Server Error", headers: "X-Reason: overload\r\n", body: "database down")
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                }
                #expect(error == .httpStatus(500))
                #expect(error.statusCode == 500)
                #expect(error.headers["x-reason"] == "overload")
                #expect(error.body == "database down")
                #expect(error.description.contains("HTTP 500 Internal Server Error"))
                #expect(error.description.contains("database down"))
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func anErrorBodyIsBounded() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "400 Bad Request", body: String(repeating: "y", count: 10_000))
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                }
                #expect(error.body.utf8.count == EventSourceError.maximumBodyExcerpt)
            }
        }
    }

    @Test func aNon200ResponseAfterConnectingIsReportedAndRetried() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                switch request.index {
                case 0:
                    try await connection.writeStreamHead()
                    try await connection.write(sse("data: one"))
                case 1:
                    try await connection.writeResponse(status: "503 Service Unavailable", body: "later")
                default:
                    try await connection.writeStreamHead()
                    try await connection.write(sse("data: two"))
                    await connection.waitForClientToClose()
                }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "one")
                #expect(try await stream.nextError() == .streamEnded)
                clock.advance(by: try await clock.nextSleep())
                let error = try await stream.nextError()
                #expect(error == .httpStatus(503))
                #expect(error.body == "later")
                clock.advance(by: try await clock.nextSleep())
                #expect(try await stream.nextEvent().data == "two")
            }
        }
    }

    @Test(arguments: ["301 Moved Permanently", "302 Found", "307 Temporary Redirect", "308 Permanent Redirect"])
    func followsRedirects(status: String) async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                if request.uri == "/old" {
                    try await connection.writeResponse(status: status, headers: "Location: /new\r\n")
                } else {
                    try await connection.writeStreamHead()
                    try await connection.write(sse("data: moved"))
                    await connection.waitForClientToClose()
                }
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url("/old"), configuration: .testing(TestClock()))
                defer { stream.close() }
                #expect(try await stream.nextEvent().data == "moved")
                let uris = await server.requests.prefix(2).map(\.uri).collect()
                #expect(uris == ["/old", "/new"])
            }
        }
    }

    @Test func aRedirectWithoutLocationIsAnErrorNotALoop() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "301 Moved Permanently")
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                }
                #expect(error == .invalidRedirect)
                #expect(error.statusCode == 301)
                #expect(server.requestCount == 1)
            }
        }
    }

    @Test func aRedirectToAnUnusableLocationIsAnError() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "307 Temporary Redirect", headers: "Location: ftp://example.com/x\r\n")
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                }
                #expect(error == .invalidRedirect)
            }
        }
    }

    @Test func redirectsAreFollowedOnlyUpToTheLimit() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "302 Found", headers: "Location: /again\r\n")
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(
                        to: server.url(), configuration: .testing(TestClock()) { $0.maximumRedirects = 3 }
                    )
                }
                #expect(error == .tooManyRedirects)
                #expect(server.requestCount == 4)
            }
        }
    }

    @Test func aWrongContentTypeIsAnError() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "200 OK", headers: "Content-Type: text/html\r\n", body: "<html>")
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                }
                #expect(error == .invalidContentType)
                #expect(error.description.contains("text/html"))
            }
        }
    }

    @Test func noContentStopsReconnecting() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ request, connection in
                if request.index == 0 {
                    try await connection.writeStreamHead()
                    try await connection.write(sse("data: only"))
                } else {
                    try await connection.writeResponse(status: "204 No Content")
                }
            }) { server in
                let clock = TestClock()
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(clock))
                #expect(try await stream.nextEvent().data == "only")
                #expect(try await stream.nextError() == .streamEnded)
                clock.advance(by: try await clock.nextSleep())
                #expect(try await stream.nextError() == .noContent)
                #expect(await stream.events.collect().isEmpty)
                #expect(await stream.errors.collect().isEmpty)
                #expect(server.requestCount == 2)
            }
        }
    }

    @Test func noContentOnTheFirstConnectionThrowsEvenWhenRetryingIt() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "204 No Content")
            }) { server in
                let error = try await #require(throws: EventSourceError.self) {
                    try await EventSource.subscribe(
                        to: server.url(), configuration: .testing(TestClock()) { $0.firstConnectionRetry = .forever }
                    )
                }
                #expect(error == .noContent)
            }
        }
    }

    @Test func decodesGzipEncodedStreams() async throws {
        try await withTimeout {
            var plain = ByteBuffer(string: sse("id: 7\ndata: squeezed", "data: twice"))
            let compressed = try plain.compress(with: .gzip())
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead(extraHeaders: "Content-Encoding: gzip\r\n")
                try await connection.write(bytes: Array(compressed.readableBytesView))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                defer { stream.close() }
                #expect(try await stream.nextEvent() == MessageEvent(id: "7", data: "squeezed"))
                #expect(try await stream.nextEvent().data == "twice")
                #expect(try await server.nextRequest().headers["Accept-Encoding"] == ["gzip"])
            }
        }
    }
}
