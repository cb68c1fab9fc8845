import Foundation
import SSEProtocol
import SSERepositories
@testable import SSESQLite
import Testing

/// How the SQLite store replays: in pages inside one read transaction, without expired events,
/// on a bounded number of connections; and how it shares a file with another writer.
@Suite(.timeLimit(.minutes(1))) struct SQLiteReplayTests {
    /// Opens a store at a fresh path with `replayPageSize` and the other settings given.
    private func withStore<T>(
        retention: Retention = .unlimited,
        replayPageSize: Int = 256,
        maxReaders: Int = 16,
        clock: ManualClock = ManualClock(),
        _ body: (SQLiteRepository, String) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            let store = try await SQLiteRepository.open(
                path: path, retention: retention, durability: .normal, replayPageSize: replayPageSize,
                maxReaders: maxReaders
            ) { clock.now }
            do {
                let result = try await body(store, path)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        }
    }

    private var pagesRead: (SQLiteRepository) -> Int { { store in store.replayPages.withLock { $0 } } }

    @Test func replayOfALargeChannelReadsOnePageAtATimeAsTheSubscriberTakesThem() async throws {
        try await withStore(replayPageSize: 10) { store, _ in
            try await store.append((1...95).map { "e\($0)" }, to: "news")
            let replay = try await store.replay(channel: "news", lastEventID: "")
            #expect(replay.coverage == .complete)
            #expect(replay.lastSequence == 95)
            #expect(pagesRead(store) == 1, "the first page is read before replay returns")
            var iterator = replay.events.makeAsyncIterator()
            var ids: [String] = []
            for expectedPages in [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2] {
                ids.append(try #require(try await iterator.next()).id)
                #expect(pagesRead(store) == expectedPages, "after \(ids.count) events")
            }
            while let event = try await iterator.next() { ids.append(event.id) }
            #expect(ids == (1...95).map { "e\($0)" })
            #expect(pagesRead(store) == 10, "95 events in pages of 10, and no empty page at the end")
        }
    }

    @Test func aReplayReadsOneSnapshotWhateverIsAppendedOrTrimmedWhileItIsRead() async throws {
        try await withStore(retention: Retention(maxEvents: 30), replayPageSize: 4) { store, _ in
            try await store.append((1...30).map { "e\($0)" }, to: "news")
            let replay = try await store.replay(channel: "news", lastEventID: "e10")
            var iterator = replay.events.makeAsyncIterator()
            var ids = [try #require(try await iterator.next()).id]
            // Trims e1 to e25 and appends five more while the replay is on its first page.
            try await store.append((31...55).map { "e\($0)" }, to: "news")
            while let event = try await iterator.next() { ids.append(event.id) }
            #expect(ids == (11...30).map { "e\($0)" })
            #expect(try await store.ids("news", after: "e10") == (.reset, (26...55).map { "e\($0)" }))
        }
    }

    @Test func replayLeavesOutEventsOlderThanTheMaximumAgeBeforeAnAppendTrimsThem() async throws {
        let clock = ManualClock()
        try await withStore(retention: Retention(maxAge: .seconds(60)), clock: clock) { store, _ in
            try await store.append(["a", "b"], to: "news")
            clock.advance(by: 30)
            try await store.append(["c"], to: "news")
            clock.advance(by: 31)
            // a and b are older than a minute now; no append has trimmed them.
            #expect(try await store.ids("news", after: "") == (.partial, ["c"]))
            #expect(try await store.ids("news", after: "b") == (.complete, ["c"]), "b is the newest expired event")
            #expect(try await store.ids("news", after: "a") == (.reset, ["c"]), "b expired after a")
            #expect(try await store.ids("news", after: "c") == (.complete, []))
            clock.advance(by: 30)
            #expect(try await store.ids("news", after: "") == (.partial, []))
            #expect(try await store.ids("news", after: "b") == (.reset, []), "c expired after b")
            #expect(try await store.ids("news", after: "c") == (.complete, []))
        }
    }

    @Test func aReplayLongerThanOnePageHoldsAReaderAndTheNextReplayWaitsForIt() async throws {
        try await withStore(replayPageSize: 2, maxReaders: 1) { store, _ in
            try await store.append(["a", "b", "c", "d", "e"], to: "news")
            let first = try await store.replay(channel: "news", lastEventID: "")
            let second = Task { try await store.ids("news", after: "b") }
            try await waitUntil { store.readers.waiting == 1 }
            #expect(store.readers.openCount == 1)
            var ids: [String] = []
            for try await event in first.events { ids.append(event.id) }
            #expect(ids == ["a", "b", "c", "d", "e"])
            #expect(try await second.value == (.complete, ["c", "d", "e"]))
            #expect(store.readers.openCount == 1)
        }
    }

    @Test func aReplayDroppedBeforeItsEndHandsItsReaderBack() async throws {
        try await withStore(replayPageSize: 2, maxReaders: 1) { store, _ in
            try await store.append(["a", "b", "c", "d", "e"], to: "news")
            do {
                let dropped = try await store.replay(channel: "news", lastEventID: "")
                var iterator = dropped.events.makeAsyncIterator()
                #expect(try await iterator.next()?.id == "a")
            }
            #expect(try await store.ids("news", after: "c") == (.complete, ["d", "e"]))
        }
    }

    @Test func aReplayThatFitsInOnePageHoldsNoReader() async throws {
        try await withStore(maxReaders: 1) { store, _ in
            #expect(store.replayPageSize == 256, "the default page size")
            try await store.append(["a", "b"], to: "news")
            let first = try await store.replay(channel: "news", lastEventID: "")
            // Not read yet, yet the only reader is free for the next replay.
            #expect(try await store.ids("news", after: "a") == (.complete, ["b"]))
            var ids: [String] = []
            for try await event in first.events { ids.append(event.id) }
            #expect(ids == ["a", "b"])
        }
    }

    @Test func replayAfterCloseFails() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteRepository.open(path: directory.appendingPathComponent("events.sqlite").path)
            #expect(store.busyTimeout == .seconds(5), "the default busy timeout")
            try await store.close()
            await #expect(throws: SQLiteRepositoryError.closed) { try await store.replay(channel: "news", lastEventID: "") }
        }
    }

    @Test func anAppendGivesUpAfterTheBusyTimeoutWhileAnotherConnectionHoldsTheWriteLock() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            let holder = try await SQLiteRepository.open(path: path)
            let store = try await SQLiteRepository.open(path: path, busyTimeout: .milliseconds(200))
            // Another connection (as another process would) takes the write lock and keeps it.
            _ = try await holder.writer.query("BEGIN IMMEDIATE").get()
            let started = ContinuousClock.now
            await #expect { try await store.append(MessageEvent(data: "x"), to: "news") } throws: { error in
                "\(error)".contains("locked")
            }
            #expect(ContinuousClock.now - started >= .milliseconds(200))
            _ = try await holder.writer.query("ROLLBACK").get()
            #expect(try await store.append(MessageEvent(data: "x"), to: "news").event.sequence == 1)
            try await store.close()
            try await holder.close()
        }
    }

    @Test func twoStoresWritingOneFileAtOnceWaitForEachOtherWithoutBusyErrors() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path) { first in
                try await withSQLite(at: path) { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (index, store) in [first, second].enumerated() {
                            group.addTask {
                                for number in 0..<100 {
                                    _ = try await store.append(MessageEvent(id: "s\(index)-\(number)", data: "x"), to: "news")
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let (_, events) = try await second.stored("news", after: "")
                    #expect(events.map(\.sequence) == Array(1...200))
                }
            }
        }
    }
}

/// Waits, yielding, until `condition` holds; fails after `timeout`.
func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
        await Task.yield()
    }
}

/// ``waitUntil(timeout:_:)`` gave up.
struct WaitTimedOut: Error {}
