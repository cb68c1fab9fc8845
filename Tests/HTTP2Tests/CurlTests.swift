import SSENIOServer
import SSEProtocol
import SSEServer
import Testing

/// `curl` reads event streams from the embedded server over HTTP/2: negotiated through TLS, and
/// in cleartext with prior knowledge.
@Suite("curl over HTTP/2")
struct CurlTests {
    /// Starts `curl` on `/time`, publishes two events once it subscribed, ends the stream, and
    /// returns curl's output.
    private func readStream(_ events: EventServer, _ arguments: [String]) async throws -> (output: String, errors: String) {
        async let result = curl(arguments)
        #expect(await eventually { events.subscriberCount(channel: "time") == 1 })
        try events.publish(MessageEvent(id: "1", data: "one"), to: ["time"])
        try events.publish(MessageEvent(id: "2", data: "two"), to: ["time"])
        events.close()
        return try await result
    }

    @Test func curlReadsAStreamOverHTTP2WithTLS() async throws {
        try await TLSFixture.run { fixture in
            let (output, errors) = try await readStream(fixture.events, [
                "--verbose", "--http2", "--cacert", fixture.certificates.authorityFile, fixture.base + "/time",
            ])
            #expect(output == "id: 1\ndata: one\n\nid: 2\ndata: two\n\n")
            #expect(errors.contains("ALPN: server accepted h2"))
            #expect(errors.contains("< HTTP/2 200"))
        }
    }

    @Test func curlReadsAStreamWithHTTP2PriorKnowledge() async throws {
        let events = EventServer()
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/time": events.handler(channel: "time")],
            configuration: .init(protocols: .http2PriorKnowledge)
        )
        let (output, errors) = try await readStream(events, [
            "--verbose", "--http2-prior-knowledge", "http://127.0.0.1:\(http.port)/time",
        ])
        #expect(output == "id: 1\ndata: one\n\nid: 2\ndata: two\n\n")
        #expect(errors.contains("< HTTP/2 200"))
        try await http.shutdown()
    }
}
