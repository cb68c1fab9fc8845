import AdapterTestSupport
import Foundation
import SSEClient
import SSEProtocol
import SSERepositories
import SSEServer
import SSETestSupport
import SSEVapor
import Testing
import Vapor

@Suite("Vapor: streams over real sockets", .timeLimit(.minutes(1)))
struct VaporStreamTests {
    @Test func replaysStrictlyAfterLastEventIDWithTheReplayHeader() async throws {
        let store = RingRepository()
        try await VaporTestApp.run(setUp: { _, server in server.register(store, for: "news") }) { app in
            try await expectReplayStrictlyAfterLastEventID(server: app.server, store: store, url: app.url)
        }
    }

    @Test func streamsLiveEvents() async throws {
        try await VaporTestApp.run { app in
            try await expectLiveEvents(server: app.server, url: app.url)
        }
    }

    @Test func theDefaultHeartbeatUnsubscribesADepartedClientWithinTwoIntervals() async throws {
        let clock = TestClock()
        var configuration = EventServer.Configuration.vapor
        configuration.clock = clock
        #expect(configuration.heartbeatInterval == .seconds(15))
        try await VaporTestApp.run(configuration) { app in
            let source = try await EventSource.subscribe(to: app.url)
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            source.close()
            for interval in 1...2 {
                await clock.waitForSleeper(until: .seconds(15 * interval))
                clock.advance(by: .seconds(15))
            }
            // In real time the first heartbeat's write draws the peer's reset long before the
            // second is written, which then fails. The test clock fires both at once, and on a
            // loaded machine the adapter can hand both to Vapor in one write that draws the reset
            // and nothing after it; a third heartbeat then fails. So: two intervals as a rule,
            // three at most when the first two were written together.
            do {
                try await eventually("the unsubscription", within: .seconds(5)) { app.server.subscriberCount(channel: "news") == 0 }
            } catch {
                clock.advance(by: .seconds(15))
                try await eventually("the unsubscription", within: .seconds(30)) { app.server.subscriberCount(channel: "news") == 0 }
            }
        }
    }

    @Test func aSlowConsumerIsEnded() async throws {
        var configuration = EventServer.Configuration.vapor
        configuration.bufferSize = 4
        configuration.maximumBufferedBytes = 64 * 1024
        configuration.finishDeadline = .milliseconds(200)
        try await VaporTestApp.run(configuration) { app in
            let client = try await RawClient.send("GET /news HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", port: app.port, reads: false)
            defer { client.close() }
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            let payload = String(repeating: "x", count: 16 * 1024)
            var published = 0
            while app.server.subscriberCount(channel: "news") == 1, published < 10_000 {
                try app.server.publish(MessageEvent(data: payload), to: ["news"])
                published += 1
                await Task.yield()
            }
            #expect(app.server.subscriberCount(channel: "news") == 0)
        }
    }

    /// Vapor's response compression is on for the application, and the `EventServer` compresses
    /// too: the stream carries one `Content-Encoding: gzip`, and without the server's
    /// compression none, so Vapor never compresses a stream.
    @Test(arguments: [false, true])
    func streamsAreCompressedAtMostOnce(serverCompresses: Bool) async throws {
        var configuration = EventServer.Configuration.vapor
        configuration.gzip = serverCompresses
        try await VaporTestApp.run(configuration, setUp: { application, _ in
            application.http.server.configuration.responseCompression = .enabled
        }) { app in
            let request = "GET /news HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n"
            let client = try await RawClient.send(request, port: app.port)
            defer { client.close() }
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            try app.server.publish(MessageEvent(data: "hello"), to: ["news"])
            try await eventually("the head and the event") {
                guard let (_, body) = client.headAndBody else { return false }
                return serverCompresses ? body.count > 20 : String(decoding: body, as: UTF8.self).contains("data: hello")
            }
            let head = client.headAndBody?.head.lowercased() ?? ""
            let encodings = head.components(separatedBy: "\r\n").filter { $0.hasPrefix("content-encoding:") }
            #expect(encodings == (serverCompresses ? ["content-encoding: gzip"] : []))
        }
    }
}
