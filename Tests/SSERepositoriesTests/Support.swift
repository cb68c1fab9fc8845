import Foundation
import Testing
import SSEProtocol
import SSERepositories
import SSESQLite

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current = LockedState(Date(timeIntervalSince1970: 1_700_000_000))

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Values collected from concurrent callbacks.
final class Collected<Value: Sendable>: Sendable {
    private let storage = LockedState<[Value]>([])

    var values: [Value] { storage.withLock { $0 } }

    func append(_ value: Value) {
        storage.withLock { $0.append(value) }
    }
}

/// The stores every ``EventStore`` test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case ring
    case sqlite

    var testDescription: String { rawValue }
}

/// A fresh folder under the system's temporary directory, removed after `body`.
@discardableResult
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sse-repositories-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Opens the SQLite store at `path`, runs `body`, and closes it whatever happens.
@discardableResult
func withSQLite<T>(
    at path: String,
    retention: Retention = .unlimited,
    durability: SQLiteRepository.Durability = .full,
    clock: ManualClock = ManualClock(),
    _ body: (SQLiteRepository) async throws -> T
) async throws -> T {
    let store = try await SQLiteRepository.open(path: path, retention: retention, durability: durability) { clock.now }
    do {
        let result = try await body(store)
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

/// Runs `body` with an empty store of `kind` in a temporary folder.
@discardableResult
func withStore<T>(
    _ kind: StoreKind,
    retention: Retention = Retention(maxEvents: 10_000),
    clock: ManualClock = ManualClock(),
    _ body: (any EventStore) async throws -> T
) async throws -> T {
    switch kind {
    case .ring:
        return try await body(RingRepository(retention: retention) { clock.now })
    case .sqlite:
        return try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            return try await withSQLite(at: path, retention: retention, clock: clock, body)
        }
    }
}

extension Repository {
    /// The replay's coverage and its events' ids.
    func ids(_ channel: String, after lastEventID: String) async throws -> (ReplayCoverage, [String]) {
        let replay = try await replay(channel: channel, lastEventID: lastEventID)
        var ids: [String] = []
        for try await event in replay.events { ids.append(event.id) }
        return (replay.coverage, ids)
    }

    /// The replay's coverage and events, which an ``EventStore`` yields as ``StoredEvent``.
    func stored(_ channel: String, after lastEventID: String) async throws -> (ReplayCoverage, [StoredEvent]) {
        let replay = try await replay(channel: channel, lastEventID: lastEventID)
        var events: [StoredEvent] = []
        for try await event in replay.events {
            guard let event = event as? StoredEvent else { throw StoreTestError.notStored(event.id) }
            events.append(event)
        }
        return (replay.coverage, events)
    }
}

extension EventStore {
    /// Appends one event per id (an empty id asks for one) and returns the stored ids.
    @discardableResult
    func append(_ ids: [String], to channel: String, data: String = "x") async throws -> [String] {
        var stored: [String] = []
        for id in ids {
            stored.append(try await append(MessageEvent(id: id, event: "e", data: data), to: channel).event.id)
        }
        return stored
    }
}

enum StoreTestError: Error {
    case notStored(String)
}

/// A one-shot signal that tasks can wait for.
final class Signal: Sendable {
    private let state = LockedState<(raised: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Wakes every waiter, now and later.
    func raise() {
        let waiters = state.withLock { state in
            state.raised = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``raise()`` was called.
    func wait() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let raised = state.withLock { state in
                if !state.raised { state.waiters.append(waiter) }
                return state.raised
            }
            if raised { waiter.resume() }
        }
    }
}

/// A store whose replays wait for ``release`` before reading, so a test can publish while a
/// subscriber is registered but its replay has not yet read the store.
struct GatedStore: EventStore {
    let base: any EventStore
    let replayStarted = Signal()
    let release = Signal()
    let replayRead = Signal()

    func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult {
        try await base.append(event, to: channel, deliver: deliver)
    }

    func replay(channel: String, lastEventID: String) async throws -> Replay {
        replayStarted.raise()
        await release.wait()
        defer { replayRead.raise() }
        return try await base.replay(channel: channel, lastEventID: lastEventID)
    }
}
