import AdapterTestSupport
import Foundation
import SSEClient
import SSEProtocol
import SSEServer
import SSETestSupport
import Testing

@Suite("Hummingbird: graceful shutdown", .timeLimit(.minutes(1)))
struct HummingbirdShutdownTests {
    /// Hummingbird waits for open connections on shutdown; the streams end themselves, each with
    /// the `retry:` hint, long before `shutdownDeadline`, whether or not the `EventServer` is a
    /// service of the group.
    @Test(arguments: [false, true])
    func shutdownEndsOpenStreamsPromptlyWithTheRetryHint(serverAsService: Bool) async throws {
        // A deadline far beyond the bound below: finishing under the bound shows that the streams
        // ended themselves, not that the deadline cut them (the bound has room for a loaded machine).
        let configuration = EventServer.Configuration(shutdownDeadline: .seconds(300), shutdownReconnectWindow: .milliseconds(100))
        let clientClock = TestClock()
        var sleeps = clientClock.sleeps.makeAsyncIterator()
        let started = ContinuousClock.now
        var source: EventSource?
        try await HummingbirdTestApp.run(configuration, serverAsService: serverAsService) { app in
            var clientConfiguration = EventSource.Configuration()
            clientConfiguration.clock = clientClock
            let stream = try await EventSource.subscribe(to: app.url, configuration: clientConfiguration)
            source = stream
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            try app.server.publish(MessageEvent(id: "1", data: "before shutdown"), to: ["news"])
            #expect(await nextEvents(1, from: stream).map(\.data) == ["before shutdown"])
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(100), "shutdown took \(elapsed)")
        // The client waits the server's hint (at most the 100 ms window, raised to the client's
        // 100 ms floor) before reconnecting, not its own 3 s default.
        #expect(await sleeps.next() == .milliseconds(100))
        source?.close()
    }
}
