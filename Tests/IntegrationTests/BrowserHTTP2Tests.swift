import Foundation
import SSENIOServer
import SSEProtocol
import SSEServer
import SSETransport
import Testing

/// Why HTTP/2 matters for event streams: headless Chromium opens ten `EventSource`s to one
/// origin. Over HTTPS the embedded server speaks HTTP/2 and all ten are live; over cleartext
/// HTTP/1.1 the browser holds six connections per origin, so exactly six are.
@Suite("Browser over HTTP/2")
struct BrowserHTTP2Tests {
    /// Ten `EventSource`s to `/time`; `body.dataset.counts` holds how many events each received.
    static let page = """
        <!doctype html><meta charset="utf-8"><title>ten streams</title><body><script>
        const counts = new Array(10).fill(0);
        document.body.dataset.counts = counts.join(",");
        for (let i = 0; i < 10; i++) {
          new EventSource("/time").onmessage = () => { counts[i]++; document.body.dataset.counts = counts.join(","); };
        }
        </script></body>
        """

    /// How many events each stream received, as the page shows it.
    private func counts(_ browser: inout BrowserDriver) async throws -> [Int] {
        try await browser.string("document.body.dataset.counts").split(separator: ",").compactMap { Int($0) }
    }

    /// Serves the page and the channel, opens the page (checking that it came over `version`),
    /// publishes five events once `live` streams subscribed, and returns each stream's count once
    /// `live` of them have all five.
    private func run(_ protocols: EmbeddedHTTPServer.Protocols, scheme: String, version: String, live: Int) async throws -> [Int] {
        let events = EventServer()
        let page = HTTPServerResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(Self.page.utf8))
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/": ResponseHandler { _ in page }, "/time": events.handler(channel: "time")],
            configuration: .init(protocols: protocols)
        )
        var browser = try await BrowserDriver(arguments: ["--ignore-certificate-errors"])
        do {
            try await browser.open("\(scheme)://127.0.0.1:\(http.port)/")
            #expect(try await browser.string("performance.getEntriesByType('navigation')[0].nextHopProtocol") == version)
            let deadline = ContinuousClock.now + .seconds(30)
            while events.subscriberCount(channel: "time") < live, ContinuousClock.now < deadline { await Task.yield() }
            #expect(events.subscriberCount(channel: "time") == live)
            for id in 1...5 { try events.publish(MessageEvent(id: "\(id)", data: "tick \(id)"), to: ["time"]) }
            try await browser.wait(until: "document.body.dataset.counts.split(',').filter(c => +c >= 5).length >= \(live)")
            let result = try await counts(&browser)
            #expect(events.subscriberCount(channel: "time") == live)
            await browser.close()
            events.close()
            try await http.shutdown()
            return result
        } catch {
            await browser.close()
            try? await http.shutdown()
            throw error
        }
    }

    @Test("Over HTTPS all ten streams are live over HTTP/2", .timeLimit(.minutes(2)))
    func tenStreamsAreLiveOverHTTP2() async throws {
        let certificate = try await SelfSignedCertificate.make()
        let counts = try await run(
            .tls(certificateChainFile: certificate.certificateFile, privateKeyFile: certificate.keyFile),
            scheme: "https",
            version: "h2",
            live: 10
        )
        #expect(counts == Array(repeating: 5, count: 10))
    }

    @Test("Over cleartext HTTP/1.1 only six of the ten streams are live", .timeLimit(.minutes(2)))
    func onlySixStreamsAreLiveOverHTTP1() async throws {
        let counts = try await run(.http1, scheme: "http", version: "http/1.1", live: 6)
        #expect(counts.count == 10)
        #expect(counts.filter { $0 == 5 }.count == 6)
        #expect(counts.filter { $0 == 0 }.count == 4)
    }
}
