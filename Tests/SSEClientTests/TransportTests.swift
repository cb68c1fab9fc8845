#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEAsyncHTTPClient
import SSEClient
import SSEProtocol
import SSETestSupport
import SSETesting
import SSETransport
import Testing

/// The client side of SSETransport: header fields, bodies, the test double, and the default
/// transport's timeouts.
@Suite(.timeLimit(.minutes(1))) struct TransportTests {
    @Test func headerFieldsAreCaseInsensitiveAndSettingReplacesEveryValue() {
        var headers: HTTPHeaderFields = ["Accept": "a", "X-Two": "1"]
        headers.add(name: "x-two", value: "2")
        #expect(headers["ACCEPT"] == "a")
        #expect(headers.values(for: "X-TWO") == ["1", "2"])
        headers["X-Two"] = "3"
        #expect(headers.values(for: "x-two") == ["3"])
        headers["accept"] = nil
        #expect(!headers.contains(name: "Accept"))
        #expect(headers.count == 1)
        #expect(headers.map(\.name) == ["X-Two"])
    }

    @Test func aResponseBodyCanBeIteratedOnce() async throws {
        let body = ClientResponseBody(chunks: [[1, 2], [3]])
        var first: [[UInt8]] = []
        for try await chunk in body { first.append(chunk) }
        var second: [[UInt8]] = []
        for try await chunk in body { second.append(chunk) }
        #expect(first == [[1, 2], [3]])
        #expect(second.isEmpty)
    }

    @Test func theScriptedTransportDrivesAnEventSourceWithoutANetwork() async throws {
        try await withTimeout {
            let stream = "id: 1\r\ndata: split\r\n\r\ndata: second\n\n"
            let chunks = stride(from: 0, to: stream.utf8.count, by: 3).map {
                Array(Array(stream.utf8)[$0..<min($0 + 3, stream.utf8.count)])
            }
            let (hold, _) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            let transport = ScriptedTransport { _ in
                ClientResponse(
                    status: 200,
                    headers: ["Content-Type": "text/event-stream"],
                    body: ClientResponseBody(FixedThenHeld(chunks: chunks, held: hold))
                )
            }
            let source = try await EventSource.subscribe(
                to: URL(string: "http://example.invalid/stream")!,
                configuration: .testing(TestClock()) { $0.transport = transport }
            )
            defer { source.close() }
            #expect(await source.events.prefix(2).collect() == [
                MessageEvent(id: "1", data: "split"), MessageEvent(data: "second", lastEventID: "1"),
            ])
            let request = try #require(transport.requests.first)
            #expect(request.url.absoluteString == "http://example.invalid/stream")
            #expect(request.headers["Accept"] == "text/event-stream")
        }
    }

    @Test func theDefaultTransportsIdleReadTimeoutDropsASilentConnection() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                await connection.waitForClientToClose()
            }) { server in
                let transport = AsyncHTTPClientTransport(configuration: .init(readTimeout: .milliseconds(100)))
                let errors = Recorder<EventSourceError>()
                let subscribed = try? await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()) {
                    $0.transport = transport
                    // On a busy machine the timeout may hit before the head arrives: retry then too.
                    $0.firstConnectionRetry = .forever
                    $0.errorHandler = { error in
                        errors.append(error)
                        return .close
                    }
                })
                if let subscribed { _ = await subscribed.events.collect() }
                let error = try #require(errors.values.first)
                #expect(error == .connectionFailed)
                #expect("\(error)".contains("readTimeout"))
            }
        }
    }
}

/// Fixed chunks, then a sequence that never ends on its own (the connection stays open).
private struct FixedThenHeld: AsyncSequence, Sendable {
    let chunks: [[UInt8]]
    let held: AsyncThrowingStream<[UInt8], any Error>

    func makeAsyncIterator() -> Iterator {
        Iterator(chunks: chunks[...], held: held.makeAsyncIterator())
    }

    struct Iterator: AsyncIteratorProtocol {
        var chunks: ArraySlice<[UInt8]>
        var held: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator

        mutating func next() async throws -> [UInt8]? {
            if let chunk = chunks.popFirst() { return chunk }
            return try await held.next()
        }
    }
}
