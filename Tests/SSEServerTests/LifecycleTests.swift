import MetricsTestKit
import ServiceLifecycle
import SSEProtocol
import SSEServer
import SSETesting
import SSETestSupport
import Testing

@Suite("Lifecycle: close, unregister, connection time, heartbeats, shutdown")
struct LifecycleTests {
    @Test func closeEndsEveryStreamAfterItsQueuedEvents() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            try server.publish(MessageEvent(data: "last"), to: ["time"])
            server.close()
            #expect(try await client.wholeBody() == "data: last\n\n")
            try await client.waitUntilClosed()
        }
    }

    @Test func requestsAfterCloseGetTheHeadersAndAnEmptyBody() async throws {
        try await withEventServer { server, port in
            server.close()
            let client = try await RawConnection.get("/time", port: port)
            let head = try await client.head()
            #expect(head.status == 200)
            #expect(head["Content-Type"] == "text/event-stream; charset=utf-8")
            #expect(try await client.wholeBody() == "")
            #expect(server.subscriberCount(channel: "time") == 0)
        }
    }

    @Test func closingTwiceAndPublishingAfterCloseDoNothing() async throws {
        let metrics = TestMetrics()
        try await withEventServer(.init(metricsLabelPrefix: "sse", metricsFactory: metrics)) { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            server.close()
            server.close()
            try server.publish(MessageEvent(data: "ignored"), to: ["time"])
            try server.publishComment("ignored", to: ["time"])
            server.unregister(channel: "time", disconnectSubscribers: true)
            #expect(try await client.wholeBody() == "")
            try await client.waitUntilClosed()
            try await eventually("the subscriber to be removed") { server.subscriberCount(channel: "time") == 0 }
            #expect(metrics.counterTotal(label: "sse_events_published") == 0)
            let late = try await RawConnection.get("/time", port: port)
            #expect(try await late.wholeBody() == "")
            #expect(server.subscriberCount(channel: "time") == 0)
        }
    }

    @Test func unregisterCanDisconnectTheChannelsSubscribers() async throws {
        try await withEventServer(channels: ["a", "b"]) { server, port in
            let a = try await RawConnection.get("/a", port: port)
            let b = try await RawConnection.get("/b", port: port)
            _ = try await a.head()
            _ = try await b.head()
            server.unregister(channel: "a", disconnectSubscribers: true)
            try await a.waitUntilClosed()
            try server.publish(MessageEvent(data: "still here"), to: ["b"])
            #expect(try await b.events(1).map(\.data) == ["still here"])
            await b.close()
        }
    }

    @Test func aDisconnectingClientIsUnsubscribedAtOnce() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            #expect(server.subscriberCount(channel: "time") == 1)
            await client.close()
            try await eventually("the subscriber to be removed") { server.subscriberCount(channel: "time") == 0 }
        }
    }

    @Test func maximumConnectionTimeEndsTheResponseAtItsAgeAndNotBefore() async throws {
        let clock = TestClock()
        try await withEventServer(.init(maximumConnectionTime: .seconds(60), clock: clock)) { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            await clock.waitForSleeper(until: .seconds(60))
            clock.advance(by: .seconds(60) - .milliseconds(1))
            try server.publish(MessageEvent(data: "still open"), to: ["time"])
            #expect(try await client.events(1).map(\.data) == ["still open"])
            #expect(server.subscriberCount(channel: "time") == 1)
            clock.advance(by: .milliseconds(1))
            #expect(try await client.wholeBody() == "data: still open\n\n")
            try await client.waitUntilClosed()
            try await eventually("the subscriber to be removed") { server.subscriberCount(channel: "time") == 0 }
        }
    }

    @Test func idleStreamsGetHeartbeatsAndBusyStreamsDoNot() async throws {
        let clock = TestClock()
        let server = EventServer(configuration: .init(heartbeatInterval: .seconds(1), heartbeatComment: "ping", clock: clock))
        let idle = await server.subscribeRecorder(to: "idle")
        let busy = await server.subscribeRecorder(to: "busy")
        for tick in 1...3 {
            await clock.waitForSleeper(until: .seconds(tick))
            try server.publish(MessageEvent(id: "\(tick)", data: "busy"), to: ["busy"])
            clock.advance(by: .seconds(1))
        }
        await clock.waitForSleeper(until: .seconds(4))
        #expect(idle.outputs == [.comment("ping"), .comment("ping"), .comment("ping")])
        #expect(busy.eventIDs == ["1", "2", "3"])
        #expect(busy.outputs.count == 3)
        // A busy stream that goes quiet gets one after a silent interval.
        clock.advance(by: .seconds(1))
        await clock.waitForSleeper(until: .seconds(5))
        #expect(busy.outputs.last == .comment("ping"))
        server.close()
    }

    @Test func authorizationHookCanRefuseWithAStatus() async throws {
        let configuration = EventServer.Configuration(authorize: { subscription in
            subscription.request.headers["Authorization"] == "Bearer good" && subscription.channel == "time"
                ? .allow : .deny(status: 403)
        })
        try await withEventServer(configuration) { _, port in
            let refused = try await RawConnection.get("/time", port: port, headers: ["Authorization": "Bearer bad"])
            #expect(try await refused.head().status == 403)
            let allowed = try await RawConnection.get("/time", port: port, headers: ["Authorization": "Bearer good"])
            #expect(try await allowed.head().status == 200)
            await refused.close()
            await allowed.close()
        }
    }

    @Test func gracefulShutdownEndsStreamsWithASpreadRetryHint() async throws {
        let configuration = EventServer.Configuration(shutdownReconnectWindow: .seconds(5))
        try await withEventServer(configuration) { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            let group = ServiceGroup(services: [server], logger: .init(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                await group.triggerGracefulShutdown()
                let body = try await client.body("the retry hint") { $0.decodedOutputs().count == 1 }
                guard case .retry(let delay) = body.decodedOutputs().first else {
                    Issue.record("expected a retry hint, got \(String(decoding: body, as: UTF8.self))")
                    return
                }
                #expect(delay <= .seconds(5))
                try await client.waitUntilClosed()
                try await tasks.next()
            }
        }
    }
}
