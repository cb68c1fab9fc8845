import MetricsTestKit
import SSEProtocol
import SSEServer
import Testing

@Suite("Slow consumers")
struct SlowConsumerTests {
    /// Publishes 16 KiB events until the server ends the client that stopped reading, checking
    /// that the reading client gets each; then the slow client reads again and must see a normal
    /// end of the body after whole events, and the fast one must still get events.
    private func expectSlowClientEndedCleanly(_ configuration: EventServer.Configuration, metrics: TestMetrics) async throws {
        var configuration = configuration
        // The slow client reads again only after the fast one got everything, which on a loaded
        // machine can take longer than the default 5 s the server gives the last chunk before it
        // closes the connection (that deadline is tested on an injected clock in PublishPathTests).
        configuration.finishDeadline = .seconds(120)
        try await withEventServer(configuration) { server, port in
            let slow = try await RawConnection.get("/time", port: port)
            let fast = try await RawConnection.get("/time", port: port)
            _ = try await slow.head()
            _ = try await fast.head()
            try await slow.stopReading()

            let data = String(repeating: "x", count: 16 * 1024)
            let eventSize = "data: \(data)\n\n".utf8.count
            var published = 0
            while metrics.counterTotal(label: "sse_slow_consumer_disconnects") == 0 {
                try #require(published < 2_000, "the slow client was never ended")
                for _ in 0..<8 { try server.publish(MessageEvent(data: data), to: ["time"]) }
                published += 8
                let expected = published * eventSize
                _ = try await fast.body("\(published) events") { $0.count >= expected }
            }
            try server.publish(MessageEvent(id: "last", data: "after"), to: ["time"])
            let last = "id: last\ndata: after\n\n"
            let total = published * eventSize + last.utf8.count
            let body = try await fast.body("the last event") { $0.count >= total }
            #expect(String(decoding: body.suffix(last.utf8.count), as: UTF8.self) == last)

            try await slow.resumeReading()
            let received = try await slow.wait("a normal end of the body") { $0.bodyEnded ? $0.body : nil }
            #expect(received.count % eventSize == 0)
            #expect(received.count / eventSize < published)
            try await slow.waitUntilClosed()
            try await eventually("the slow subscriber to be removed") { server.subscriberCount(channel: "time") == 1 }
            await slow.close()
            await fast.close()
        }
    }

    @Test func aClientBehindByEventsIsEndedCleanlyWhileOthersKeepReceiving() async throws {
        let metrics = TestMetrics()
        try await expectSlowClientEndedCleanly(
            .init(bufferSize: 16, metricsLabelPrefix: "sse", metricsFactory: metrics), metrics: metrics
        )
    }

    @Test func aClientBehindByBytesIsEndedCleanlyWhileOthersKeepReceiving() async throws {
        let metrics = TestMetrics()
        try await expectSlowClientEndedCleanly(
            .init(bufferSize: 100_000, maximumBufferedBytes: 256 * 1024, metricsLabelPrefix: "sse", metricsFactory: metrics),
            metrics: metrics
        )
    }
}
