import Logging
import PostgresNIO
@testable import SSEPostgres
import SSEProtocol
import SSERepositories
import ServiceLifecycle
import Testing

/// Holds a channel's counter row in an open transaction on a connection of its own, so that an
/// append batch to that channel waits in the database until ``release()``: the appends that
/// arrive meanwhile must queue for the next batch.
private struct CounterRowHold {
    let connection: PostgresConnection
    let logger: Logger

    static func take(_ channel: String, of store: PostgresEventStore) async throws -> Self {
        let logger = store.configuration.logger
        let connection = try await PostgresConnection.connect(configuration: store.configuration.listener, id: 7, logger: logger)
        try await connection.query("BEGIN", logger: logger)
        try await connection.query(
            "SELECT last_sequence FROM \(unescaped: store.tables.channels) WHERE channel = \(channel) FOR UPDATE", logger: logger
        )
        return Self(connection: connection, logger: logger)
    }

    func release() async throws {
        try await connection.query("COMMIT", logger: logger)
        try await connection.close()
    }
}

extension PostgresEventStore {
    /// Starts an append in a task of its own and returns once the batcher holds it (queued, or
    /// sent when `sent` is true), so tests decide the order of the queue.
    fileprivate func start(_ event: MessageEvent, to channel: String, sent: Bool = false) async -> Task<AppendResult, any Error> {
        let before = batcher.statistics
        let task = Task { try await append(event, to: channel) }
        await batcher.wait { sent ? $0.sent > before.sent : $0.queued + $0.sent > before.queued + before.sent }
        return task
    }
}

/// The appending task's index, which a delivery can see only if it runs in that task.
private enum Appender {
    @TaskLocal static var index: Int?
}

@Suite("PostgresEventStore batches", .timeLimit(.minutes(1)))
struct PostgresBatchTests {
    @Test func appendsThatArriveWhileABatchIsInFlightGoTogetherInTheNextTransaction() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            _ = try await store.append(MessageEvent(data: "seed"), to: "c")
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(id: "e0", data: "0"), to: "c", sent: true)
            let before = store.batcher.statistics
            var rest: [Task<AppendResult, any Error>] = []
            for index in 1..<20 { rest.append(await store.start(MessageEvent(id: "e\(index)", data: "\(index)"), to: "c")) }
            #expect(store.batcher.statistics.queued == 19)
            try await hold.release()
            var results = [try await first.value]
            for task in rest { results.append(try await task.value) }
            // 19 appends, one transaction (pg_stat would say the same: one commit for them all).
            #expect(store.batcher.statistics.batches == before.batches + 1)
            #expect(results.map(\.event.id) == (0..<20).map { "e\($0)" })
            #expect(results.map(\.event.data) == (0..<20).map { "\($0)" })
            #expect(results.map(\.event.sequence) == Array(2...21))
            #expect(results.allSatisfy { !$0.isDuplicate })
            let replayed = try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: "1"))
            #expect(replayed == results.map(\.event))
        }
    }

    @Test func deliverRunsForEachNewEventInSequenceOrderWhicheverTasksAppended() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            // Each delivery notes its sequence and the appending task it ran in, if any: the store
            // delivers on its own task, in commit order, so callers that resume in any order
            // cannot reorder deliveries (which the old per-caller delivery could).
            let delivered = LockedState<[(sequence: Int, inCallersTask: Bool)]>([])
            let record: @Sendable (Int) -> Void = { sequence in
                let inCallersTask = Appender.index != nil
                delivered.withLock { $0.append((sequence, inCallersTask)) }
            }
            let hold = try await CounterRowHold.take("c", of: store)
            // One append in flight (waiting for the held row), the rest queued for the next batch,
            // each from a task of its own; then a duplicate, which is not delivered.
            var tasks: [Task<AppendResult, any Error>] = []
            for index in 0..<40 {
                let before = store.batcher.statistics
                tasks.append(Task {
                    try await Appender.$index.withValue(index) {
                        try await store.append(MessageEvent(id: "e\(index)", data: "\(index)"), to: "c") { record($0.sequence) }
                    }
                })
                await store.batcher.wait { $0.queued + $0.sent > before.queued + before.sent }
            }
            try await hold.release()
            for task in tasks { _ = try await task.value }
            let duplicate = try await store.append(MessageEvent(id: "e3", data: "3"), to: "c") { _ in record(-1) }
            #expect(duplicate.isDuplicate)
            let deliveries = delivered.withLock { $0 }
            #expect(deliveries.map(\.sequence) == Array(1...40))
            #expect(deliveries.allSatisfy { !$0.inCallersTask })
        }
    }

    @Test func twoEventsWithOneIdInOneBatchAreStoredOnceAndTheSecondIsADuplicate() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            _ = try await store.append(MessageEvent(data: "seed"), to: "c")
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(data: "in flight"), to: "c", sent: true)
            let original = await store.start(MessageEvent(id: "x", data: "original"), to: "c")
            let retry = await store.start(MessageEvent(id: "x", data: "retry"), to: "c")
            let next = await store.start(MessageEvent(data: "next"), to: "c")
            try await hold.release()
            _ = try await first.value
            let stored = try await original.value
            #expect(stored == .stored(StoredEvent(id: "x", event: "", data: "original", sequence: 3, time: stored.event.time)))
            #expect(try await retry.value == .duplicate(stored.event))
            #expect(try await next.value.event.sequence == 4)
            let replayed = try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: ""))
            #expect(replayed.map(\.data) == ["seed", "in flight", "original", "next"])
        }
    }

    @Test func aBatchOverSeveralChannelsKeepsEachChannelsOrderWithoutGaps() async throws {
        try await PostgresHarness.withStores(2) { nodes in
            // Both nodes batch appends to three channels at once; the batches take the channels'
            // counter rows in one order, so they wait for one another and never deadlock.
            let channels = ["b", "c", "a"]
            let results = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for index in 0..<150 {
                    let channel = channels[index % 3]
                    group.addTask {
                        (channel, try await nodes[index % 2].append(MessageEvent(data: "\(index)"), to: channel).event.sequence)
                    }
                }
                return try await group.reduce(into: [String: [Int]]()) { $0[$1.0, default: []].append($1.1) }
            }
            for channel in channels {
                #expect(results[channel]?.sorted() == Array(1...50))
                let replayed = try await PostgresHarness.collect(try await nodes[1].replay(channel: channel, lastEventID: ""))
                #expect(replayed.map(\.sequence) == Array(1...50))
            }
            #expect(nodes[0].batcher.statistics.batches + nodes[1].batcher.statistics.batches < 150)
        }
    }

    @Test func aBatchCarriesAtMostMaxBatchEvents() async throws {
        try await withBatchStore(maxBatchEvents: 3) { store in
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(data: "first"), to: "c", sent: true)
            let before = store.batcher.statistics
            var rest: [Task<AppendResult, any Error>] = []
            for index in 1...9 { rest.append(await store.start(MessageEvent(data: "\(index)"), to: "c")) }
            try await hold.release()
            _ = try await first.value
            for task in rest { _ = try await task.value }
            #expect(store.batcher.statistics.batches == before.batches + 3)
        }
    }

    @Test func aBatchCarriesAtMostMaxBatchBytesAndALargerEventGoesAlone() async throws {
        try await withBatchStore(maxBatchBytes: 100) { store in
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(data: "first"), to: "c", sent: true)
            let before = store.batcher.statistics
            var rest = [await store.start(MessageEvent(id: "big", data: String(repeating: "z", count: 150)), to: "c")]
            // 40 bytes each (an id of 2, data of 38): two fit in 100 bytes, three do not.
            for index in 10..<15 { rest.append(await store.start(MessageEvent(id: "\(index)", data: String(repeating: "y", count: 38)), to: "c")) }
            try await hold.release()
            _ = try await first.value
            for task in rest { #expect(try await !task.value.isDuplicate) }
            // [big], [10, 11], [12, 13], [14]
            #expect(store.batcher.statistics.batches == before.batches + 4)
        }
    }

    @Test func callersBeyondMaxQueuedAppendsWaitForRoomAndAreNotDropped() async throws {
        try await withBatchStore(maxQueuedAppends: 4) { store in
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(data: "first"), to: "c", sent: true)
            let rest = (1...8).map { index in Task { try await store.append(MessageEvent(data: "\(index)"), to: "c") } }
            await store.batcher.wait { $0.queued == 4 && $0.waitingForRoom == 4 }
            try await hold.release()
            var sequences = [try await first.value.event.sequence]
            for task in rest { sequences.append(try await task.value.event.sequence) }
            #expect(sequences.sorted() == Array(2...10))
            #expect(store.batcher.statistics.waitingForRoom == 0)
        }
    }

    @Test func aRefusedBatchIsAppendedOneByOneSoOnlyTheRefusedEventFails() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            _ = try await store.append(MessageEvent(data: "seed"), to: "c")
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(data: "in flight"), to: "c", sent: true)
            let before = await store.start(MessageEvent(data: "before"), to: "c")
            // PostgreSQL's text cannot hold a NUL, so the database refuses this event, and with it the batch.
            let refused = await store.start(MessageEvent(id: "bad\u{0}id", data: "refused"), to: "c")
            let after = await store.start(MessageEvent(data: "after"), to: "c")
            try await hold.release()
            _ = try await first.value
            #expect(try await before.value.event.sequence == 3)
            await #expect(throws: PSQLError.self) { try await refused.value }
            #expect(try await after.value.event.sequence == 4)
            let replayed = try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: ""))
            #expect(replayed.map(\.data) == ["seed", "in flight", "before", "after"])
        }
    }

    @Test func cancellingAWaitingCallerStoresNothingAndCancellingASentOneStillReportsItsEvent() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            _ = try await store.append(MessageEvent(data: "seed"), to: "c")
            let hold = try await CounterRowHold.take("c", of: store)
            let sent = await store.start(MessageEvent(id: "sent", data: "1"), to: "c", sent: true)
            let waiting = await store.start(MessageEvent(id: "waiting", data: "2"), to: "c")
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            #expect(store.batcher.statistics.queued == 0)
            sent.cancel()
            try await hold.release()
            #expect(try await sent.value.event.id == "sent")
            let replayed = try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: ""))
            #expect(replayed.map(\.id) == ["1", "sent"])
        }
    }

    @Test func appendsWaitingAtGracefulShutdownAreStillSentBeforeThePoolCloses() async throws {
        let configuration = try PostgresHarness.configuration(schema: PostgresHarness.freshSchema())
        let store = PostgresEventStore(configuration: configuration)
        let services = ServiceGroup(services: [store], logger: configuration.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await store.waitUntilReady()
            _ = try await store.append(MessageEvent(data: "seed"), to: "c")
            let hold = try await CounterRowHold.take("c", of: store)
            let first = await store.start(MessageEvent(data: "in flight"), to: "c", sent: true)
            let waiting = await store.start(MessageEvent(data: "waiting"), to: "c")
            await services.triggerGracefulShutdown()
            try await hold.release()
            #expect(try await first.value.event.sequence == 2)
            #expect(try await waiting.value.event.sequence == 3)
            try await group.waitForAll()
            await #expect(throws: PostgresStoreError.closed) { try await store.append(MessageEvent(data: "late"), to: "c") }
        }
    }

    @Test(arguments: ["maxBatchEvents", "maxBatchBytes", "maxQueuedAppends"])
    func aBoundThatIsNotPositiveIsRefusedBeforeConnecting(_ name: String) async throws {
        var configuration = try PostgresHarness.configuration(schema: PostgresHarness.freshSchema())
        switch name {
        case "maxBatchEvents": configuration.maxBatchEvents = 0
        case "maxBatchBytes": configuration.maxBatchBytes = 0
        default: configuration.maxQueuedAppends = 0
        }
        let store = PostgresEventStore(configuration: configuration)
        let error = await #expect(throws: PostgresStoreError.self) { try await store.run() }
        #expect(error == .invalidConfiguration(""))
        #expect(error?.message.contains(name) == true)
        await #expect(throws: PostgresStoreError.invalidConfiguration("")) { try await store.append(MessageEvent(data: "x"), to: "c") }
    }

    @Test func theDefaultBoundsAreDocumented() throws {
        let configuration = try PostgresEventStore.Configuration(url: "postgres://u@db/app")
        #expect(configuration.maxBatchEvents == 256)
        #expect(configuration.maxBatchBytes == 1 << 20)
        #expect(configuration.maxQueuedAppends == 4_096)
    }

    @Test func aVersion1SchemaIsUpgradedInPlace() async throws {
        let schema = PostgresHarness.freshSchema()
        let old = PostgresEventStore(configuration: try PostgresHarness.configuration(schema: schema))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await old.run() }
            try await old.waitUntilReady()
            _ = try await old.append(MessageEvent(id: "kept", data: "1"), to: "c")
            // What version 1 left: no batch function, version 1 in sse_meta.
            try await old.client.query("DROP FUNCTION \(unescaped: old.tables.appendBatch)")
            try await old.client.query("UPDATE \(unescaped: old.tables.meta) SET value = 1")
            group.cancelAll()
        }
        try await PostgresHarness.withStores(schema: schema) { stores in
            let store = stores[0]
            #expect(try await store.append(MessageEvent(data: "2"), to: "c").event.sequence == 2)
            let rows = try await store.client.query("SELECT value FROM \(unescaped: store.tables.meta)")
            var versions: [Int] = []
            for try await version in rows.decode(Int.self) { versions.append(version) }
            #expect(versions == [2])
            #expect(try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: "")).map(\.id) == ["kept", "2"])
        }
    }

    /// Runs `body` with one running store with these bounds, on a fresh schema whose channel `c` holds one event.
    private func withBatchStore(
        maxBatchEvents: Int = 256, maxBatchBytes: Int = 1 << 20, maxQueuedAppends: Int = 4_096,
        _ body: @Sendable (PostgresEventStore) async throws -> Void
    ) async throws {
        var configuration = try PostgresHarness.configuration(schema: PostgresHarness.freshSchema())
        configuration.maxBatchEvents = maxBatchEvents
        configuration.maxBatchBytes = maxBatchBytes
        configuration.maxQueuedAppends = maxQueuedAppends
        let store = PostgresEventStore(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.waitUntilReady()
            _ = try await store.append(MessageEvent(data: "seed"), to: "c")
            try await body(store)
        }
    }
}
