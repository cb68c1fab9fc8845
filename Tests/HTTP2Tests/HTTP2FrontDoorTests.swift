import AsyncHTTPClient
import NIOCore
import NIOHTTP2
import NIOPosix
import SSENIOServer
import SSEProtocol
import SSEServer
import SSETransport
import Testing

/// The front door over HTTP/2: the request timeout (TLS handshake included), the connection limit
/// and the limit of concurrent streams per connection.
@Suite("HTTP/2 front door")
struct HTTP2FrontDoorTests {
    /// Opens a TCP connection, sends `bytes`, and returns it.
    private func connect(port: Int, sending bytes: [UInt8] = []) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
        // On a loaded machine the server may already have given up: what counts is that it closes.
        if !bytes.isEmpty { try? await channel.writeAndFlush(ByteBuffer(bytes: bytes)) }
        return channel
    }

    /// Whether `channel` is closed by its peer within `timeout`.
    private func closes(_ channel: any Channel, within timeout: TimeAmount = .seconds(10)) async throws -> Bool {
        let guardrail = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        let started = NIODeadline.now()
        try await channel.closeFuture.get()
        guardrail.cancel()
        return NIODeadline.now() - started < timeout
    }

    @Test func theDefaultsBoundStreamsPerConnection() {
        let configuration = EmbeddedHTTPServer.Configuration()
        #expect(configuration.maximumConcurrentStreams == 1_000)
        #expect(configuration.protocols == .http1)
    }

    @Test func theRequestTimeoutCoversTheTLSHandshake() async throws {
        let certificates = try await TestCertificates.make()
        let http = try await EmbeddedHTTPServer.start(configuration: .init(
            requestTimeout: .seconds(1),
            protocols: .tls(certificateChainFile: certificates.certificateFile, privateKeyFile: certificates.keyFile)
        ))
        let silent = try await connect(port: http.port)
        #expect(try await closes(silent))
        try await http.shutdown()
    }

    @Test func anHTTP2ConnectionWithoutStreamsIsClosedAfterTheRequestTimeout() async throws {
        let http = try await EmbeddedHTTPServer.start(configuration: .init(requestTimeout: .seconds(1), protocols: .http2PriorKnowledge))
        // The client preface and an empty SETTINGS frame, then nothing.
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        let idle = try await connect(port: http.port, sending: preface)
        #expect(try await closes(idle))
        try await http.shutdown()
    }

    @Test func anHTTP2ConnectionWithAStreamIsNeverClosedByTheRequestTimeout() async throws {
        let events = EventServer()
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/time": events.handler(channel: "time")],
            // Long enough for the stream to open while the whole suite loads two cores (3 s was
            // not); the idle check waits it out.
            configuration: .init(requestTimeout: .seconds(10), protocols: .http2PriorKnowledge)
        )
        let connection = try await RawHTTP2Connection.connect(port: http.port)
        let stream = try await connection.get("/time")
        #expect(await stream.wait { $0.status == 200 })
        // A connection opened after the stream started times out; by then the stream's connection
        // has been quiet for longer than the timeout, and must still be open.
        let idle = try await connect(port: http.port)
        #expect(try await closes(idle, within: .seconds(30)))
        try events.publish(MessageEvent(id: "1", data: "still open"), to: ["time"])
        #expect(await stream.wait { $0.body == "id: 1\ndata: still open\n\n" })
        #expect(!connection.state.value.closed)
        await connection.close()
        events.close()
        try await http.shutdown()
    }

    @Test func anHTTP2ConnectionBeyondTheLimitGets503OnEachStream() async throws {
        try await TLSFixture.run(http: { $0.maximumConnections = 1 }) { fixture in
            let held = try await fixture.get("/time")
            #expect(held.status == .ok)
            let other = TLSFixture.makeClient(trusting: fixture.certificates)
            let refused = try await other.execute(HTTPClientRequest(url: fixture.base + "/peer"), timeout: .seconds(30))
            #expect(refused.version == .http2)
            #expect(refused.status == .serviceUnavailable)
            try await other.shutdown()
        }
    }

    @Test func theStreamLimitIsAdvertisedInSettingsAndHoldsFurtherStreamsBack() async throws {
        let events = EventServer()
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/time": events.handler(channel: "time")],
            configuration: .init(protocols: .http2PriorKnowledge, maximumConcurrentStreams: 2)
        )
        let connection = try await RawHTTP2Connection.connect(port: http.port)
        #expect(await connection.state.wait { $0.settings.contains(HTTP2Setting(parameter: .maxConcurrentStreams, value: 2)) })
        let first = try await connection.get("/time")
        let second = try await connection.get("/time")
        #expect(await first.wait { $0.status == 200 })
        #expect(await second.wait { $0.status == 200 })
        // The client holds the third stream back until one of the two ends.
        let third = try await connection.get("/time")
        #expect(events.subscriberCount(channel: "time") == 2)
        try? await first.channel.close()
        #expect(await third.wait { $0.status == 200 })
        #expect(await eventually { events.subscriberCount(channel: "time") == 2 })
        await connection.close()
        events.close()
        try await http.shutdown()
    }

    @Test func shutdownSendsGoAwayBeforeClosingAnHTTP2Connection() async throws {
        let events = EventServer()
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/time": events.handler(channel: "time")],
            configuration: .init(protocols: .http2PriorKnowledge)
        )
        let connection = try await RawHTTP2Connection.connect(port: http.port)
        let stream = try await connection.get("/time")
        #expect(await stream.wait { $0.status == 200 })
        try await http.shutdown()
        #expect(await connection.state.wait { $0.closed })
        #expect(connection.state.value.goAway == HTTP2StreamID(1))
        #expect(await stream.wait { $0.closed })
        events.close()
    }
}
