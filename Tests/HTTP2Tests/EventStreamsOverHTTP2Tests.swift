import AsyncHTTPClient
import NIOCore
import SSEProtocol
import SSENIOServer
import SSERepositories
import SSEServer
import SSETestSupport
import Testing

/// Every `EventServer` behaviour per HTTP/2 stream, over TLS on 127.0.0.1, with AsyncHTTPClient
/// trusting a test authority (it negotiates h2 through ALPN and puts every request to one host on
/// one connection).
@Suite("Event streams over HTTP/2")
struct EventStreamsOverHTTP2Tests {
    @Test func tlsServesHTTP2ToClientsThatOfferItAndHTTP1ToTheOthers() async throws {
        try await TLSFixture.run { fixture in
            let h2 = try await fixture.get("/peer")
            #expect(h2.version == .http2)
            #expect(h2.status == .ok)
            let http1 = TLSFixture.makeClient(trusting: fixture.certificates, http1Only: true)
            let response = try await http1.execute(HTTPClientRequest(url: fixture.base + "/peer"), timeout: .seconds(30))
            #expect(response.version == .http1_1)
            var body = BodyReader(response)
            #expect(try await body.readToEnd().contains("127.0.0.1"))
            try await http1.shutdown()
        }
    }

    @Test func streamsShareOneConnectionWithReplayAndLiveEvents() async throws {
        try await TLSFixture.run { fixture in
            let repository = SliceRepository()
            for id in 1...3 { repository.add(channel: "time", MessageEvent(id: "\(id)", data: "old \(id)")) }
            fixture.events.register(repository, for: "time")
            var peer = BodyReader(try await fixture.get("/peer"))
            let address = try await peer.readToEnd()
            let resuming = try await fixture.get("/time", headers: [("Last-Event-ID", "2")])
            let fresh = try await fixture.get("/time")
            #expect(resuming.version == .http2 && fresh.version == .http2)
            var resumed = BodyReader(resuming)
            var live = BodyReader(fresh)
            try await resumed.read { $0.contains("id: 3\n") }
            #expect(await eventually { fixture.events.subscriberCount(channel: "time") == 2 })
            try fixture.events.publish(MessageEvent(id: "4", data: "new"), to: ["time"])
            #expect(try await resumed.read { $0.contains("id: 4\n") }.contains("data: old 3\n"))
            #expect(try await live.read { $0.contains("id: 4\n") } == "id: 4\ndata: new\n\n")
            var again = BodyReader(try await fixture.get("/peer"))
            #expect(try await again.readToEnd() == address)
        }
    }

    @Test func aSlowStreamNeverStallsTheOtherStreamsOfItsConnection() async throws {
        // Cleartext HTTP/2 through a bare client, whose slow stream reads nothing: its window
        // (64 KiB) closes, while the fast stream on the same connection keeps reading.
        let events = EventServer(configuration: .init(
            bufferSize: 100_000,
            maximumBufferedBytes: 128 * 1024,
            finishDeadline: .milliseconds(200)
        ))
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/time": events.handler(channel: "time")],
            // The request timeout is not under test: long enough for both streams to open while
            // the whole suite loads two cores (the default 10 s once closed the connection first).
            configuration: .init(
                writeBufferHighWatermark: 16 * 1024, requestTimeout: .seconds(60), protocols: .http2PriorKnowledge
            )
        )
        let connection = try await RawHTTP2Connection.connect(port: http.port)
        let slow = try await connection.get("/time", reads: false)
        let fast = try await connection.get("/time")
        #expect(await eventually { events.subscriberCount(channel: "time") == 2 })
        let data = String(repeating: "x", count: 2_000)
        // 1.6 MB in batches that the fast stream reads as they come.
        for batch in 0..<40 {
            for id in batch * 20 + 1...batch * 20 + 20 {
                try events.publish(MessageEvent(id: "\(id)", data: data), to: ["time"])
            }
            let last = "id: \(batch * 20 + 20)\ndata: \(data)\n\n"
            let caughtUp = await fast.wait { $0.body.hasSuffix(last) }
            #expect(caughtUp, "batch \(batch): \(fast.value.body.count) bytes, \(fast.value.closed ? "closed" : "open")")
            if !caughtUp { break }
        }
        #expect(fast.value.body.components(separatedBy: "id: ").count == 801)
        // The slow stream fell behind and was ended; its connection still serves the fast one.
        #expect(await eventually { events.subscriberCount(channel: "time") == 1 })
        #expect(!connection.state.value.closed)
        #expect(!slow.value.body.contains("id: 800\n"))
        try events.publish(MessageEvent(id: "801", data: "after"), to: ["time"])
        #expect(await fast.wait { $0.body.hasSuffix("id: 801\ndata: after\n\n") })
        await connection.close()
        events.close()
        try await http.shutdown()
    }

    @Test func aClientThatLeavesResetsItsStreamAndIsUnsubscribed() async throws {
        try await TLSFixture.run { fixture in
            var staying = BodyReader(try await fixture.get("/time"))
            let client = fixture.client
            let base = fixture.base
            let leaving = Task {
                var body = BodyReader(try await client.execute(HTTPClientRequest(url: base + "/time"), timeout: .seconds(30)))
                try await body.readToEnd()
            }
            #expect(await eventually { fixture.events.subscriberCount(channel: "time") == 2 })
            leaving.cancel()
            _ = await leaving.result
            #expect(await eventually { fixture.events.subscriberCount(channel: "time") == 1 })
            try fixture.events.publish(MessageEvent(id: "1", data: "still here"), to: ["time"])
            #expect(try await staying.read { $0.contains("\n\n") } == "id: 1\ndata: still here\n\n")
        }
    }

    @Test func theMaximumConnectionTimeEndsTheStreamNotTheConnection() async throws {
        let clock = TestClock()
        try await TLSFixture.run(.init(maximumConnectionTime: .seconds(60), clock: clock)) { fixture in
            var peer = BodyReader(try await fixture.get("/peer"))
            let address = try await peer.readToEnd()
            var stream = BodyReader(try await fixture.get("/time"))
            await clock.waitForSleeper(until: .seconds(60))
            clock.advance(by: .seconds(61))
            _ = try await stream.readToEnd()
            #expect(stream.ended)
            var again = BodyReader(try await fixture.get("/peer"))
            #expect(try await again.readToEnd() == address)
        }
    }

    @Test func heartbeatsReachASilentStream() async throws {
        let clock = TestClock()
        try await TLSFixture.run(.init(heartbeatInterval: .seconds(15), heartbeatComment: "beat", clock: clock)) { fixture in
            var stream = BodyReader(try await fixture.get("/time"))
            await clock.waitForSleeper(until: .seconds(15))
            clock.advance(by: .seconds(15))
            #expect(try await stream.read { $0.contains(":beat\n") }.contains(":beat\n"))
        }
    }

    @Test func crossOriginHeadersAndCompressionApplyPerStream() async throws {
        try await TLSFixture.run(.init(crossOrigin: .anyOrigin, gzip: true)) { fixture in
            let response = try await fixture.get("/time", headers: [("Origin", "https://example.com"), ("Accept-Encoding", "gzip")])
            #expect(response.version == .http2)
            #expect(response.headers.first(name: "access-control-allow-origin") == "*")
            #expect(response.headers.first(name: "content-encoding") == "gzip")
            #expect(!response.headers.contains(name: "connection"))
        }
    }

    @Test func gracefulShutdownEndsEveryStreamWithItsRetryHint() async throws {
        try await TLSFixture.run { fixture in
            var first = BodyReader(try await fixture.get("/time"))
            var second = BodyReader(try await fixture.get("/time"))
            #expect(await eventually { fixture.events.subscriberCount(channel: "time") == 2 })
            try fixture.events.publish(MessageEvent(id: "1", data: "last"), to: ["time"])
            fixture.events.close(reconnectWindow: .seconds(1))
            for text in [try await first.readToEnd(), try await second.readToEnd()] {
                #expect(text.hasPrefix("id: 1\ndata: last\n\n"))
                #expect(text.contains("retry: "))
            }
            #expect(first.ended && second.ended)
        }
    }
}
