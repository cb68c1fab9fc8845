import MetricsTestKit
import SSEProtocol
import SSEServer
import Testing

@Suite("Metrics")
struct MetricsTests {
    @Test func countsConnectionsAndPublishedAndDeliveredEvents() async throws {
        let metrics = TestMetrics()
        let configuration = EventServer.Configuration(metricsLabelPrefix: "sse", metricsFactory: metrics)
        try await withEventServer(configuration) { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            #expect(try metrics.expectMeter("sse_connections").values.last == 1)
            for index in 0..<3 { try server.publish(MessageEvent(id: "\(index)", data: "x"), to: ["time"]) }
            _ = try await client.events(3)
            #expect(metrics.counterTotal(label: "sse_events_published") == 3)
            try await eventually("delivered count") { metrics.counterTotal(label: "sse_events_delivered") == 3 }
            await client.close()
            try await eventually("the connection gauge to drop") {
                (try? metrics.expectMeter("sse_connections").values.last) == 0
            }
        }
    }
}
