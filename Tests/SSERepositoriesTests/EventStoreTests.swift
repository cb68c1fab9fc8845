import SSEProtocol
import SSERepositories
import Testing

/// Behaviour every ``EventStore`` shares, run against the ring and the SQLite store.
@Suite struct EventStoreTests {
    @Test(arguments: StoreKind.allCases)
    func assignsIncreasingIDsWhenEventHasNone(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let ids = try await store.append(["", "", ""], to: "news")
            #expect(ids == ["1", "2", "3"])
            let (_, events) = try await store.stored("news", after: "")
            #expect(events.map(\.sequence) == [1, 2, 3])
            #expect(events.map(\.event) == ["e", "e", "e"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func assignedIDSkipsANumberAPublisherUsed(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let ids = try await store.append(["2", "", ""], to: "news")
            #expect(ids == ["2", "3", "4"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func acknowledgesADuplicateIDWithoutStoringItTwice(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = try await store.append(MessageEvent(id: "a", data: "first"), to: "news")
            let retry = try await store.append(MessageEvent(id: "a", data: "retry"), to: "news")
            let next = try await store.append(MessageEvent(data: "next"), to: "news")
            #expect(!first.isDuplicate)
            #expect(retry == .duplicate(first.event))
            #expect(next.event.sequence == first.event.sequence + 1)
            let (coverage, events) = try await store.stored("news", after: "")
            #expect(coverage == .complete)
            #expect(events.map(\.data) == ["first", "next"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func replaysStrictlyAfterTheLastEventIDInPublishOrder(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.append(["c", "a", "10", "9", "b"], to: "news")
            #expect(try await store.ids("news", after: "a") == (.complete, ["10", "9", "b"]))
            #expect(try await store.ids("news", after: "b") == (.complete, []))
            #expect(try await store.ids("news", after: "") == (.complete, ["c", "a", "10", "9", "b"]))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keepsChannelsApart(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.append(["a", ""], to: "one")
            try await store.append(["a", ""], to: "two")
            #expect(try await store.ids("one", after: "a") == (.complete, ["2"]))
            #expect(try await store.ids("two", after: "") == (.complete, ["a", "2"]))
            #expect(try await store.ids("three", after: "") == (.complete, []))
        }
    }

    @Test(arguments: StoreKind.allCases, [
        "unknown", "\0", "2\r\n", String(repeating: "9", count: 10_000), "'; DROP TABLE sse_events; --", "%", "🙂",
    ])
    func unknownOrMalformedLastEventIDResets(kind: StoreKind, lastEventID: String) async throws {
        try await withStore(kind) { store in
            try await store.append(["", ""], to: "news")
            #expect(try await store.ids("news", after: lastEventID) == (.reset, ["1", "2"]))
            #expect(try await store.ids("empty", after: lastEventID) == (.reset, []))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keepsAtMostMaxEventsAndTellsWhatWasTrimmed(kind: StoreKind) async throws {
        try await withStore(kind, retention: Retention(maxEvents: 3)) { store in
            try await store.append(["a", "b", "c", "d", "e"], to: "news")
            #expect(try await store.ids("news", after: "") == (.partial, ["c", "d", "e"]))
            #expect(try await store.ids("news", after: "c") == (.complete, ["d", "e"]))
            #expect(try await store.ids("news", after: "b") == (.complete, ["c", "d", "e"]), "nothing after b is gone")
            #expect(try await store.ids("news", after: "a") == (.reset, ["c", "d", "e"]), "b is gone")
            #expect(!(try await store.append(MessageEvent(id: "a", data: ""), to: "news")).isDuplicate,
                    "an id retention removed can be stored again")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keepsAtMostMaxBytesButAlwaysTheNewestEvent(kind: StoreKind) async throws {
        // Each event is 1 (id) + 1 (type "e") + data bytes.
        try await withStore(kind, retention: Retention(maxBytes: 12)) { store in
            try await store.append(["a", "b", "c", "d"], to: "news", data: "xx")
            #expect(try await store.ids("news", after: "") == (.partial, ["b", "c", "d"]))
            try await store.append(["big"], to: "news", data: String(repeating: "x", count: 50))
            #expect(try await store.ids("news", after: "") == (.partial, ["big"]))
            #expect(try await store.ids("news", after: "d") == (.complete, ["big"]))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func dropsEventsOlderThanMaxAge(kind: StoreKind) async throws {
        let clock = ManualClock()
        try await withStore(kind, retention: Retention(maxEvents: 100, maxAge: .seconds(60)), clock: clock) { store in
            try await store.append(["a", "b"], to: "news")
            clock.advance(by: 30)
            try await store.append(["c"], to: "news")
            clock.advance(by: 31)
            try await store.append(["d"], to: "news")
            #expect(try await store.ids("news", after: "") == (.partial, ["c", "d"]))
            #expect(try await store.ids("news", after: "b") == (.complete, ["c", "d"]))
            let (_, events) = try await store.stored("news", after: "c")
            #expect(events.map(\.time) == [clock.now])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentAppendsAndReplaysLoseNothingAndKeepOrder(kind: StoreKind) async throws {
        let publishers = 4
        let perPublisher = 50
        try await withStore(kind) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0..<publishers {
                    group.addTask {
                        for index in 0..<perPublisher {
                            let id = index.isMultiple(of: 2) ? "" : "p\(publisher)-\(index)"
                            _ = try await store.append(MessageEvent(id: id, data: "\(publisher)"), to: "news")
                        }
                    }
                }
                for _ in 0..<2 {
                    group.addTask {
                        for _ in 0..<20 {
                            let (coverage, events) = try await store.stored("news", after: "")
                            #expect(coverage == .complete)
                            #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (_, events) = try await store.stored("news", after: "")
            #expect(events.count == publishers * perPublisher)
            #expect(Set(events.map(\.id)).count == events.count)
            #expect(events.map(\.sequence) == Array(1...(publishers * perPublisher)))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deliversNewEventsOnceInSequenceOrder(kind: StoreKind) async throws {
        let delivered = Collected<Int>()
        try await withStore(kind) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0..<4 {
                    group.addTask {
                        for index in 0..<25 {
                            let id = index.isMultiple(of: 5) ? "shared-\(index)" : "p\(publisher)-\(index)"
                            _ = try await store.append(MessageEvent(id: id, data: ""), to: "news") { stored in
                                delivered.append(stored.sequence)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (_, events) = try await store.stored("news", after: "")
            #expect(delivered.values == events.map(\.sequence))
            #expect(events.count == 4 * 20 + 5)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func replayReportsTheNewestSequenceItAccountsFor(kind: StoreKind) async throws {
        try await withStore(kind, retention: Retention(maxEvents: 2)) { store in
            try await store.append(["a", "b", "c"], to: "news")
            #expect(try await store.replay(channel: "news", lastEventID: "c").lastSequence == 3)
            #expect(try await store.replay(channel: "news", lastEventID: "zzz").lastSequence == 3)
            #expect(try await store.replay(channel: "none", lastEventID: "").lastSequence == 0)
        }
    }
}
