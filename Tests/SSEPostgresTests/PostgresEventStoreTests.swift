import PostgresNIO
@testable import SSEPostgres
import SSEProtocol
import SSERepositories
import Testing

@Suite("PostgresEventStore", .timeLimit(.minutes(1)))
struct PostgresEventStoreTests {
    @Test func appendsAssignSequencesInCommitOrderAndIdsToEventsWithoutOne() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            let first = try await store.append(MessageEvent(data: "one"), to: "news")
            let second = try await store.append(MessageEvent(id: "x", event: "tick", data: "two"), to: "news")
            let third = try await store.append(MessageEvent(data: "three"), to: "news")
            #expect([first, second, third].map(\.event.sequence) == [1, 2, 3])
            #expect([first, second, third].map(\.event.id) == ["1", "x", "3"])
            #expect(!first.isDuplicate && !second.isDuplicate)
            let replay = try await store.replay(channel: "news", lastEventID: "1")
            #expect(replay.coverage == .complete)
            #expect(replay.lastSequence == 3)
            let events = try await PostgresHarness.collect(replay)
            #expect(events.map(\.data) == ["two", "three"])
            #expect(events[0].event == "tick")
        }
    }

    @Test func aRetryOnAnotherNodeIsADuplicateAndLeavesNoGap() async throws {
        try await PostgresHarness.withStores(2) { nodes in
            let stored = try await nodes[0].append(MessageEvent(id: "order-7", data: "paid"), to: "orders")
            let retried = try await nodes[1].append(MessageEvent(id: "order-7", data: "paid"), to: "orders")
            #expect(retried == .duplicate(stored.event))
            let next = try await nodes[1].append(MessageEvent(data: "next"), to: "orders")
            #expect(next.event.sequence == 2)
            let events = try await PostgresHarness.collect(try await nodes[0].replay(channel: "orders", lastEventID: ""))
            #expect(events.map(\.id) == ["order-7", "2"])
        }
    }

    @Test func anAssignedIdSkipsANumberAPublisherAlreadyUsed() async throws {
        try await PostgresHarness.withStores { stores in
            _ = try await stores[0].append(MessageEvent(id: "2", data: "a"), to: "c")
            let assigned = try await stores[0].append(MessageEvent(data: "b"), to: "c")
            #expect(assigned.event.id == "3")
            #expect(assigned.event.sequence == 3)
        }
    }

    @Test func concurrentAppendsOnSeveralNodesTakeEverySequenceOnce() async throws {
        try await PostgresHarness.withStores(2) { nodes in
            let sequences = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    group.addTask { try await nodes[index % 2].append(MessageEvent(data: "\(index)"), to: "c").event.sequence }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(sequences.sorted() == Array(1...40))
        }
    }

    @Test(arguments: ["with\u{0}nul", String(repeating: "0123456789abcdéf", count: 1_000), "line\r\nbreaks\nand\rmore"])
    func anyDataTheEncoderAcceptsSurvives(_ data: String) async throws {
        try await PostgresHarness.withStores { stores in
            _ = try await stores[0].append(MessageEvent(data: data), to: "c")
            let events = try await PostgresHarness.collect(try await stores[0].replay(channel: "c", lastEventID: ""))
            #expect(events.map(\.data) == [data])
        }
    }

    @Test func replayReadsPagesUpToTheLastSequenceItSawAndNothingLater() async throws {
        try await PostgresHarness.withStores(pageSize: 2) { stores in
            let store = stores[0]
            for index in 1...7 { _ = try await store.append(MessageEvent(data: "\(index)"), to: "c") }
            let replay = try await store.replay(channel: "c", lastEventID: "2")
            _ = try await store.append(MessageEvent(data: "late"), to: "c")
            #expect(replay.lastSequence == 7)
            let events = try await PostgresHarness.collect(replay)
            #expect(events.map(\.data) == ["3", "4", "5", "6", "7"])
        }
    }

    @Test func replayCoverageSaysWhetherHistoryResumes() async throws {
        try await PostgresHarness.withStores { stores in
            let store = stores[0]
            let empty = try await store.replay(channel: "none", lastEventID: "")
            #expect(empty.coverage == .complete)
            #expect(try await store.replay(channel: "none", lastEventID: "9").coverage == .reset)
            _ = try await store.append(MessageEvent(id: "a", data: "1"), to: "c")
            let unknown = try await store.replay(channel: "c", lastEventID: "zzz")
            #expect(unknown.coverage == .reset)
            #expect(try await PostgresHarness.collect(unknown).map(\.id) == ["a"])
        }
    }

    @Test func retentionTrimsTheOldestEventsAndKeepsCoverageHonest() async throws {
        try await PostgresHarness.withStores(retention: Retention(maxEvents: 3)) { stores in
            let store = stores[0]
            for index in 1...10 { _ = try await store.append(MessageEvent(id: "e\(index)", data: "x"), to: "c") }
            #expect(try await store.trim())
            let all = try await store.replay(channel: "c", lastEventID: "")
            #expect(all.coverage == .partial)
            #expect(try await PostgresHarness.collect(all).map(\.id) == ["e8", "e9", "e10"])
            // The newest trimmed event still resumes without gap; an older one does not.
            let resumed = try await store.replay(channel: "c", lastEventID: "e7")
            #expect(resumed.coverage == .complete)
            #expect(try await PostgresHarness.collect(resumed).map(\.id) == ["e8", "e9", "e10"])
            #expect(try await store.replay(channel: "c", lastEventID: "e6").coverage == .reset)
        }
    }

    @Test func retentionByBytesKeepsTheNewestEventEvenWhenItAloneIsLarger() async throws {
        try await PostgresHarness.withStores(retention: Retention(maxBytes: 10)) { stores in
            let store = stores[0]
            _ = try await store.append(MessageEvent(id: "a", data: "1234"), to: "c")
            _ = try await store.append(MessageEvent(id: "b", data: "1234"), to: "c")
            _ = try await store.append(MessageEvent(id: "c", data: String(repeating: "z", count: 50)), to: "c")
            try await store.trim()
            #expect(try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: "")).map(\.id) == ["c"])
        }
    }

    @Test func oneNodeAtATimeTrims() async throws {
        try await PostgresHarness.withStores(2, retention: Retention(maxEvents: 1)) { nodes in
            for index in 1...3 { _ = try await nodes[0].append(MessageEvent(data: "\(index)"), to: "c") }
            // Node 0 holds the trimming lock on a connection of its own; node 1 must leave the history alone.
            let holder = try await PostgresConnection.connect(
                configuration: nodes[0].configuration.listener, id: 1, logger: nodes[0].configuration.logger
            )
            try await holder.query("SELECT pg_advisory_lock(\(nodes[0].tables.lockKey))", logger: nodes[0].configuration.logger)
            #expect(try await nodes[1].trim() == false)
            #expect(try await PostgresHarness.collect(try await nodes[1].replay(channel: "c", lastEventID: "")).count == 3)
            try await holder.query("SELECT pg_advisory_unlock(\(nodes[0].tables.lockKey))", logger: nodes[0].configuration.logger)
            try await holder.close()
            #expect(try await nodes[1].trim())
            #expect(try await PostgresHarness.collect(try await nodes[1].replay(channel: "c", lastEventID: "")).count == 1)
        }
    }

    @Test func historyIsTrimmedInTheBackgroundEveryInterval() async throws {
        let schema = PostgresHarness.freshSchema()
        let configuration = try PostgresHarness.configuration(
            schema: schema, retention: Retention(maxEvents: 2), trimInterval: .milliseconds(20)
        )
        let store = PostgresEventStore(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.waitUntilReady()
            // A trigger announces every delete, so the test waits for the trim without polling.
            let observer = try await PostgresConnection.connect(configuration: configuration.listener, id: 1, logger: configuration.logger)
            for statement in [
                """
                CREATE FUNCTION \(schema).announce_trim() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_notify('\(schema)_trimmed', ''); RETURN NULL; END $$
                """,
                "CREATE TRIGGER announce_trim AFTER DELETE ON \(schema).sse_events EXECUTE FUNCTION \(schema).announce_trim()",
            ] {
                try await observer.query(PostgresQuery(unsafeSQL: statement), logger: configuration.logger)
            }
            // A trim may run between appends; each announces itself, until two events are left.
            let kept = try await observer.listen(on: "\(schema)_trimmed") { notifications in
                for index in 1...5 { _ = try await store.append(MessageEvent(data: "\(index)"), to: "c") }
                var kept: [String] = []
                for try await _ in notifications {
                    kept = try await PostgresHarness.collect(try await store.replay(channel: "c", lastEventID: "")).map(\.data)
                    if kept.count == 2 { break }
                }
                return kept
            }
            try await observer.close()
            #expect(kept == ["4", "5"])
        }
    }

    @Test func expiredEventsAreNotReplayed() async throws {
        try await PostgresHarness.withStores(retention: Retention(maxAge: .seconds(3600))) { stores in
            let store = stores[0]
            _ = try await store.append(MessageEvent(id: "old", data: "1"), to: "c")
            _ = try await store.append(MessageEvent(id: "new", data: "2"), to: "c")
            try await store.client.query(
                "UPDATE \(unescaped: store.tables.events) SET time = time - interval '2 hours' WHERE id = 'old'"
            )
            let replay = try await store.replay(channel: "c", lastEventID: "")
            #expect(replay.coverage == .partial)
            #expect(try await PostgresHarness.collect(replay).map(\.id) == ["new"])
        }
    }

    @Test func aSchemaOfAnotherVersionIsAClearError() async throws {
        let schema = PostgresHarness.freshSchema()
        let first = PostgresEventStore(configuration: try PostgresHarness.configuration(schema: schema))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            try await first.waitUntilReady()
            try await first.client.query("UPDATE \(unescaped: first.tables.meta) SET value = 99")
            group.cancelAll()
        }
        let second = PostgresEventStore(configuration: try PostgresHarness.configuration(schema: schema))
        await #expect(throws: PostgresStoreError.schemaVersion(found: 99, expected: 2)) { try await second.run() }
        await #expect(throws: PostgresStoreError.schemaVersion(found: 99, expected: 2)) {
            try await second.append(MessageEvent(data: "x"), to: "c")
        }
    }

    @Test(arguments: [
        "postgres://u:p%40ss@db.example:6543/app",
        "postgresql://u@db.example/app",
    ])
    func aURLNamesServerCredentialsAndDatabase(_ url: String) throws {
        let configuration = try PostgresEventStore.Configuration(url: url)
        #expect(configuration.client.host == "db.example")
        #expect(configuration.client.username == "u")
        #expect(configuration.client.database == "app")
        #expect(configuration.retention == PostgresEventStore.Configuration.defaultRetention)
    }

    @Test(arguments: ["sqlite:x", "postgres://db/app", "postgres://u@db", "postgres://u@db/a/b", "http://u@db/app"])
    func aMalformedURLIsRefused(_ url: String) {
        #expect(throws: PostgresStoreError.invalidURL(url)) { try PostgresEventStore.Configuration(url: url) }
    }
}
