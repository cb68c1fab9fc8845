import SSENIOServer
import SSETransport
import Testing

/// The embedded server's bounds: the request timeout, the connection limit, decisions taken on
/// the request head, and pipelining; over real sockets on 127.0.0.1.
@Suite("EmbeddedHTTPServer front door")
struct FrontDoorTests {
    private let hello = ResponseHandler { request in
        .text(200, "hello \(request.method) \(request.uri) \(String(decoding: request.body, as: UTF8.self))")
    }

    private func start(
        _ routes: [String: any HTTPServerHandler],
        _ configure: (inout EmbeddedHTTPServer.Configuration) -> Void = { _ in }
    ) async throws -> EmbeddedHTTPServer {
        var configuration = EmbeddedHTTPServer.Configuration()
        configure(&configuration)
        return try await EmbeddedHTTPServer.start(routes: routes, configuration: configuration)
    }

    // MARK: Timeouts and limits

    @Test func configurationDefaultsBoundEveryConnection() {
        let configuration = EmbeddedHTTPServer.Configuration()
        #expect(configuration.requestTimeout == .seconds(10))
        #expect(configuration.maximumConnections == 10_000)
        #expect(configuration.pipeliningDepth == 16)
        #expect(configuration.maximumRequestBodySize == 1 << 20)
    }

    @Test func anUnfinishedRequestHeadIsClosedAfterTheRequestTimeout() async throws {
        let http = try await start(["/hello": hello]) { $0.requestTimeout = .seconds(1) }
        let client = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\nHost: x\r\n".utf8), port: http.port)
        #expect(try await client.textUntilClosed() == "")
        try await http.shutdown()
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheRequestTimeout() async throws {
        let http = try await start(["/hello": hello]) { $0.requestTimeout = .seconds(1) }
        let client = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await client.textUntilClosed()
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("hello GET /hello \n"))
        try await http.shutdown()
    }

    @Test func aStreamingResponseIsNeverClosedByTheRequestTimeout() async throws {
        let streaming = StreamingHandler()
        let http = try await start(["/stream": streaming, "/hello": hello]) { $0.requestTimeout = .seconds(1) }
        let stream = try await ByteCollector.send(Array("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        _ = try await stream.text { text, _ in text.hasSuffix("5\r\nfirst\r\n") }
        // A connection opened after the stream started times out; by then the stream has been
        // quiet for longer than the timeout, and must still be open.
        let idle = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\n".utf8), port: http.port)
        _ = try await idle.textUntilClosed()
        #expect(try await stream.text { _, _ in true }.hasSuffix("5\r\nfirst\r\n"))
        #expect(stream.isOpen)
        try await http.shutdown()
        _ = try await stream.textUntilClosed()
    }

    @Test func connectionsBeyondTheLimitGet503AndAreClosed() async throws {
        let streaming = StreamingHandler()
        let http = try await start(["/stream": streaming, "/hello": hello]) { $0.maximumConnections = 1 }
        let stream = try await ByteCollector.send(Array("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        _ = try await stream.text { text, _ in text.hasSuffix("5\r\nfirst\r\n") }
        let refused = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await refused.textUntilClosed()
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(text.lowercased().contains("connection: close\r\n"))
        await stream.close()
        try await streaming.waitForClosedEvent()
        // The server forgets the stream's connection as it closes; a later connection is served.
        var served = false
        for _ in 0..<100 where !served {
            let client = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
            served = try await client.text { text, closed in text.hasSuffix("hello GET /hello \n") || closed }
                .hasPrefix("HTTP/1.1 200 OK\r\n")
            await client.close()
        }
        #expect(served)
        try await http.shutdown()
    }

    // MARK: Routes, bodies, pipelining

    @Test func aRefusedMethodIsAnsweredWithoutWaitingForTheBody() async throws {
        let http = try await start(["/get-only": GetOnlyHandler()])
        let client = try await ByteCollector.send(
            Array("POST /get-only HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8),
            port: http.port
        )
        let text = try await client.text { text, _ in text.hasSuffix("GET\n") }
        #expect(text.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(text.contains("Allow: GET\r\n"))
        #expect(text.lowercased().contains("connection: close\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func anUnknownPathIsAnsweredWithoutWaitingForTheBody() async throws {
        let http = try await start(["/hello": hello])
        let client = try await ByteCollector.send(
            Array("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8),
            port: http.port
        )
        let text = try await client.text { text, _ in text.hasSuffix("No route for /other\n") }
        #expect(text.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(text.lowercased().contains("connection: close\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func aBodySentToARouteThatTakesNoneIsRefusedAtOnce() async throws {
        let http = try await start(["/hello": hello])
        let client = try await ByteCollector.send(
            Array("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nsome".utf8),
            port: http.port
        )
        let text = try await client.text { text, _ in text.hasSuffix("takes no request body\n") }
        #expect(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(text.lowercased().contains("connection: close\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func aBodyAnnouncedLargerThanTheLimitIsRefusedBeforeItArrives() async throws {
        let http = try await start(["/hello": hello]) { $0.maximumRequestBodySize = 8 }
        let client = try await ByteCollector.send(
            Array("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n".utf8),
            port: http.port
        )
        let text = try await client.text { text, _ in text.hasSuffix("bytes\n") }
        #expect(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func aChunkedBodyIsRefusedAsSoonAsItPassesTheLimit() async throws {
        let http = try await start(["/hello": hello]) { $0.maximumRequestBodySize = 8 }
        let client = try await ByteCollector.send(
            Array("POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n".utf8),
            port: http.port
        )
        let text = try await client.text { text, _ in text.hasSuffix("bytes\n") }
        #expect(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let http = try await start(["/a": hello, "/b": hello])
        let requests = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
            + "GET /b?last HTTP/1.1\r\nHost: x\r\n\r\n"
        let client = try await ByteCollector.send(Array(requests.utf8), port: http.port)
        let text = try await client.text { text, _ in text.hasSuffix("hello GET /b?last \n") }
        let answers = ["hello GET /a \n", "No route for /missing\n", "hello POST /b body\n", "hello GET /b?last \n"]
        let positions = answers.map { text.ranges(of: $0).first?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap(\.self) == positions.compactMap(\.self).sorted())
        await client.close()
        try await http.shutdown()
    }

    @Test func pipelinedRequestsBeyondTheDepthGet503AndClose() async throws {
        let http = try await start(["/a": hello]) { $0.pipeliningDepth = 1 }
        let request = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        let client = try await ByteCollector.send(Array(String(repeating: request, count: 4).utf8), port: http.port)
        let text = try await client.textUntilClosed()
        #expect(text.ranges(of: "HTTP/1.1 200 OK\r\n").count == 2)
        #expect(text.ranges(of: "HTTP/1.1 503 Service Unavailable\r\n").count == 1)
        #expect(text.hasSuffix("Too many pipelined requests\n"))
        try await http.shutdown()
    }

    @Test func aStreamSaysConnectionCloseSoRequestsBehindItAreNotSilentlyDropped() async throws {
        let http = try await start(["/stream": StreamingHandler(finishes: true), "/a": hello])
        let requests = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        let client = try await ByteCollector.send(Array(requests.utf8), port: http.port)
        let text = try await client.textUntilClosed()
        #expect(text.lowercased().contains("connection: close\r\n"))
        #expect(text.hasSuffix("5\r\nfirst\r\n0\r\n\r\n"))
        #expect(text.ranges(of: "HTTP/1.1").count == 1)
        try await http.shutdown()
    }
}

/// Takes only `GET`.
struct GetOnlyHandler: HTTPServerHandler {
    func admission(method: String) -> HTTPRequestAdmission {
        method == "GET" ? .withoutBody : .methodNotAllowed(allowed: ["GET"])
    }

    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        responder.respond(.text(200, "got it"))
    }
}
