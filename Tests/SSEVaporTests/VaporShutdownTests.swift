import AdapterTestSupport
import Foundation
import SSEClient
import SSEProtocol
import SSEServer
import SSETestSupport
import SSEVapor
import Testing

@Suite("Vapor: shutdown", .timeLimit(.minutes(1)))
struct VaporShutdownTests {
    /// `EventServerLifecycle` ends the streams, each with the `retry:` hint, before Vapor stops
    /// its HTTP server: shutdown completes long before the server's 30 s deadline and Vapor's
    /// 10 s shutdown timeout.
    @Test func shutdownEndsOpenStreamsWithTheRetryHintBeforeVaporsTimeout() async throws {
        var configuration = EventServer.Configuration.vapor
        // Far beyond the bound below, so finishing under it shows the streams ended themselves.
        configuration.shutdownDeadline = .seconds(300)
        configuration.shutdownReconnectWindow = .milliseconds(100)
        let clientClock = TestClock()
        var sleeps = clientClock.sleeps.makeAsyncIterator()
        try await VaporTestApp.run(configuration) { app in
            var clientConfiguration = EventSource.Configuration()
            clientConfiguration.clock = clientClock
            let source = try await EventSource.subscribe(to: app.url, configuration: clientConfiguration)
            defer { source.close() }
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            try app.server.publish(MessageEvent(id: "1", data: "before shutdown"), to: ["news"])
            #expect(await nextEvents(1, from: source).map(\.data) == ["before shutdown"])
            let started = ContinuousClock.now
            try await app.application.asyncShutdown()
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(100), "shutdown took \(elapsed)")
            // The client waits the server's hint (the 100 ms window, at the client's 100 ms
            // floor) before reconnecting, not its own 3 s default.
            #expect(await sleeps.next() == .milliseconds(100))
        }
    }
}
