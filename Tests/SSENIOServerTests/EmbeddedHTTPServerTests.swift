import SSENIOServer
import SSETransport
import SSEProtocol
import Testing

@Suite("EmbeddedHTTPServer")
struct EmbeddedHTTPServerTests {
    private let hello = ResponseHandler { request in
        .text(200, "hello \(request.method) \(request.uri) \(String(decoding: request.body, as: UTF8.self))")
    }

    @Test func portZeroBindsAnEphemeralPort() async throws {
        let http = try await EmbeddedHTTPServer.start(port: 0, routes: ["/": hello])
        #expect(http.port > 0)
        try await http.shutdown()
    }

    @Test func servesAPlainResponseWithContentLength() async throws {
        let http = try await EmbeddedHTTPServer.start(routes: ["/hello": hello])
        let client = try await ByteCollector.send(Array("GET /hello?x=1 HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await client.text { text, _ in text.hasSuffix("\n") && text.contains("\r\n\r\n") }
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(text.contains("Content-Length: 22\r\n"))
        #expect(text.hasSuffix("\r\n\r\nhello GET /hello?x=1 \n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func keepsTheConnectionForTheNextRequest() async throws {
        let http = try await EmbeddedHTTPServer.start(routes: ["/hello": hello])
        let client = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        _ = try await client.text { text, _ in text.hasSuffix("hello GET /hello \n") }
        try await client.write(Array("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody".utf8))
        let text = try await client.text { text, _ in text.hasSuffix("hello POST /hello body\n") }
        #expect(text.ranges(of: "HTTP/1.1 200 OK").count == 2)
        await client.close()
        try await http.shutdown()
    }

    @Test func unknownPathsGet404() async throws {
        let http = try await EmbeddedHTTPServer.start(routes: ["/hello": hello])
        let client = try await ByteCollector.send(Array("GET /other HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await client.text { text, _ in text.hasSuffix("No route for /other\n") }
        #expect(text.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func mountAddsARouteWhileRunning() async throws {
        let http = try await EmbeddedHTTPServer.start()
        http.mount("/late", hello)
        let client = try await ByteCollector.send(Array("GET /late HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await client.text { text, _ in text.hasSuffix("hello GET /late \n") }
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func tooLargeBodiesGet413() async throws {
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/hello": hello],
            configuration: .init(maximumRequestBodySize: 8)
        )
        let request = "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n" + String(repeating: "b", count: 20)
        let client = try await ByteCollector.send(Array(request.utf8), port: http.port)
        let text = try await client.text { text, _ in text.hasSuffix("bytes\n") }
        #expect(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        await client.close()
        try await http.shutdown()
    }

    @Test func garbageGets400AndTheServerKeepsServing() async throws {
        let http = try await EmbeddedHTTPServer.start(routes: ["/hello": hello])
        let bad = try await ByteCollector.send([0x16, 0x03, 0x01, 0x00, 0xFF] + Array("\r\n\r\n".utf8), port: http.port)
        #expect(try await bad.textUntilClosed().hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let good = try await ByteCollector.send(Array("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        _ = try await good.text { text, _ in text.hasSuffix("hello GET /hello \n") }
        await good.close()
        try await http.shutdown()
    }

    @Test func streamedResponsesAreChunkedAndShutdownClosesThem() async throws {
        let streaming = StreamingHandler()
        let http = try await EmbeddedHTTPServer.start(routes: ["/stream": streaming])
        let client = try await ByteCollector.send(Array("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await client.text { text, _ in text.hasSuffix("5\r\nfirst\r\n") }
        #expect(text.contains("transfer-encoding: chunked\r\n"))
        try await http.shutdown()
        _ = try await client.textUntilClosed()
        try await streaming.waitForClosedEvent()
        try await http.shutdown()
    }

    @Test func finishEndsAStreamAndClosesTheConnection() async throws {
        let http = try await EmbeddedHTTPServer.start(routes: ["/stream": StreamingHandler(finishes: true)])
        let client = try await ByteCollector.send(Array("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: http.port)
        let text = try await client.textUntilClosed()
        #expect(text.hasSuffix("5\r\nfirst\r\n0\r\n\r\n"))
        try await http.shutdown()
    }
}

/// Streams `first` and keeps the response open (or finishes it), recording responder events.
final class StreamingHandler: HTTPServerHandler {
    private let finishes: Bool
    private let closed = AsyncStream<Void>.makeStream()

    init(finishes: Bool = false) {
        self.finishes = finishes
    }

    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        let closed = self.closed.continuation
        let finishes = self.finishes
        responder.execute {
            responder.setEventHandler { event in
                if event == .closed { closed.yield() }
            }
            responder.writeHead(HTTPServerResponseHead(status: 200, headers: ["Content-Type": "text/plain"]))
            responder.write(Array("first".utf8))
            responder.flush()
            if finishes { responder.finish() }
        }
    }

    func waitForClosedEvent() async throws {
        for await _ in closed.stream { return }
    }
}
