import MetricsTestKit
import SSEProtocol
import SSERepositories
import SSEServer
import SSETesting
import SSETestSupport
import Testing

@Suite("Publish path: budgets, locks, shutdown, hand-over")
struct PublishPathTests {
    private static let big = String(repeating: "x", count: 400)

    @Test func defaultsAreDocumented() {
        let configuration = EventServer.Configuration()
        #expect(configuration.bufferSize == 128)
        #expect(configuration.maximumBufferedBytes == 4 * 1024 * 1024)
        #expect(configuration.finishDeadline == .seconds(5))
        #expect(configuration.shutdownDeadline == .seconds(10))
        #expect(configuration.clock is ContinuousClock)
    }

    @Test func aSubscriberBehindByBytesEndsNormallyAndIsClosedAfterTheDeadline() async throws {
        let clock = TestClock()
        let metrics = TestMetrics()
        let configuration = EventServer.Configuration(
            bufferSize: 1_000, maximumBufferedBytes: 1_000, clock: clock, metricsLabelPrefix: "sse", metricsFactory: metrics
        )
        let server = EventServer(configuration: configuration)
        let responder = await server.subscribeRecorder()
        try server.publish(MessageEvent(id: "1", data: "sent"), to: ["time"])
        responder.setWritable(false)
        try server.publish(MessageEvent(id: "2", data: "written while it was still writable"), to: ["time"])
        for id in 3...5 { try server.publish(MessageEvent(id: "\(id)", data: Self.big), to: ["time"]) }

        // The third 400-byte event went over the 1,000-byte budget: the response ends normally.
        #expect(responder.eventIDs == ["1", "2"])
        #expect(responder.recording.finishCount == 1)
        #expect(responder.recording.closeCount == 0)
        #expect(metrics.counterTotal(label: "sse_slow_consumer_disconnects") == 1)

        // The peer never takes the end: the connection is closed at the deadline, not before.
        await clock.waitForSleeper(until: .seconds(5))
        clock.advance(by: .seconds(5) - .milliseconds(1))
        #expect(responder.recording.closeCount == 0)
        clock.advance(by: .milliseconds(1))
        try await eventually("the connection to be closed") { responder.recording.closeCount == 1 }
        try await eventually("the subscriber to be removed") { server.subscriberCount(channel: "time") == 0 }
        server.close()
    }

    @Test func aSubscriberThatTakesItsEndInTimeIsNotClosed() async throws {
        let clock = TestClock()
        let server = EventServer(configuration: .init(bufferSize: 2, clock: clock))
        let responder = await server.subscribeRecorder()
        responder.setWritable(false)
        for id in 1...4 { try server.publish(MessageEvent(id: "\(id)", data: "x"), to: ["time"]) }
        #expect(responder.recording.finishCount == 1)
        responder.disconnect()
        #expect(server.subscriberCount(channel: "time") == 0)
        clock.advance(by: .seconds(5))
        #expect(responder.recording.closeCount == 0)
        server.close()
    }

    @Test func fanOutWritesWithoutHoldingTheServerLock() async throws {
        let server = EventServer()
        let probes = LockedState<[Bool]>([])
        let responder = await server.subscribeRecorder { probes.withLock { $0.append(server.lockIsFree()) } }
        for id in 1...3 { try server.publish(MessageEvent(id: "\(id)", data: "x"), to: ["time"]) }
        try server.publishComment("note", to: ["time"])
        #expect(responder.eventIDs == ["1", "2", "3"])
        let results = probes.withLock { $0 }
        #expect(!results.isEmpty)
        #expect(results.allSatisfy { $0 })
        server.close()
    }

    @Test func shutdownSendsAStalledStreamItsQueuedEventsAndRetryHint() async throws {
        let server = EventServer(configuration: .init(clock: TestClock()))
        let responder = await server.subscribeRecorder()
        try server.publish(MessageEvent(id: "1", data: "x"), to: ["time"])
        responder.setWritable(false)
        try server.publish(MessageEvent(id: "2", data: "x"), to: ["time"])
        try server.publish(MessageEvent(id: "3", data: "queued while not writable"), to: ["time"])
        server.close(reconnectWindow: .seconds(2))
        #expect(responder.eventIDs == ["1", "2", "3"])
        guard case .retry(let delay) = responder.outputs.last else {
            Issue.record("no retry hint in \(responder.outputs)")
            return
        }
        #expect(delay > .zero && delay <= .seconds(2))
        #expect(responder.recording.finishCount == 1)
        #expect(responder.recording.closeCount == 0)
        responder.disconnect()
        await server.run()
    }

    @Test func shutdownClosesWhatIsLeftAtTheDeadline() async throws {
        let clock = TestClock()
        let server = EventServer(configuration: .init(clock: clock))
        let stuck = await server.subscribeRecorder()
        let done = await server.subscribeRecorder()
        let running = Task { await server.run() }
        server.close()
        done.disconnect()
        await clock.waitForSleeper(until: .seconds(10))
        #expect(stuck.recording.closeCount == 0)
        #expect(server.subscriberCount(channel: "time") == 1)
        clock.advance(by: .seconds(10))
        await running.value
        #expect(stuck.recording.finishCount == 1)
        #expect(stuck.recording.closeCount == 1)
        #expect(done.recording.closeCount == 0)
    }

    @Test(arguments: [Duration.zero, .nanoseconds(1), .milliseconds(-5)])
    func closeNeverSendsRetryZero(window: Duration) async throws {
        let server = EventServer()
        let responder = await server.subscribeRecorder()
        server.close(reconnectWindow: window)
        let text = String(decoding: responder.recording.body, as: UTF8.self)
        let delay = text.hasPrefix("retry: ") ? Int(text.dropFirst(7).prefix { $0 != "\n" }) : nil
        #expect(delay.map { (1...100).contains($0) } == true, "sent \(text.debugDescription)")
    }

    @Test func liveDeliveryAfterReplaySkipsEventsTheReplayHeld() async throws {
        let store = DelayedDeliveryStore()
        let server = EventServer(configuration: .init(replayAll: true))
        server.register(store, for: "news")
        // Stored, but its delivery waits, as between an SQLite COMMIT and the broker.
        let first = Task { try await server.publish(MessageEvent(data: "a"), to: "news", storingIn: store) }
        await store.waitUntilHeld()
        let responder = await server.subscribeRecorder(to: "news")
        #expect(responder.eventIDs == ["1"])
        store.release()
        _ = try await first.value
        _ = try await server.publish(MessageEvent(data: "b"), to: "news", storingIn: store)
        #expect(responder.eventIDs == ["1", "2"])
        server.close()
    }
}

/// A ``RingRepository`` whose first append delivers only when the test says so, which opens the
/// window between an event being stored and being delivered live.
final class DelayedDeliveryStore: EventStore {
    private let ring = RingRepository()
    private let first = LockedState(true)
    private let held = AsyncStream<Void>.makeStream()
    private let gate = AsyncStream<Void>.makeStream()

    func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult {
        let result = try await ring.append(event, to: channel)
        if first.withLock({ first in defer { first = false }; return first }) {
            held.continuation.yield()
            for await _ in gate.stream { break }
        }
        if case .stored(let stored) = result { deliver(stored) }
        return result
    }

    func replay(channel: String, lastEventID: String) async throws -> Replay {
        try await ring.replay(channel: channel, lastEventID: lastEventID)
    }

    func waitUntilHeld() async {
        for await _ in held.stream { break }
    }

    func release() {
        gate.continuation.yield()
    }
}
