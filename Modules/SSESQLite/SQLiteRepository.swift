#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SQLiteNIO
import SSEProtocol
import SSERepositories

/// A durable ``EventStore`` in one SQLite file: the embedded default for history that must
/// survive a restart.
///
/// Each event is stored with its channel, per-channel sequence, id, type, data and time, in
/// publish order, and replayed strictly after the subscriber's last event ID (see
/// ``EventStore`` for ids, idempotence and coverage).
///
/// ```swift
/// let store = try await SQLiteRepository.open(
///     path: "/var/lib/app/events.sqlite",
///     retention: Retention(maxEvents: 10_000, maxBytes: 64 << 20, maxAge: .seconds(86_400))
/// )
/// defer { Task { try await store.close() } }
/// ```
///
/// - **Durability.** The database runs in write-ahead-log mode. An append returns after its
///   transaction committed at the ``Durability`` level chosen: ``Durability/full`` (the default)
///   syncs the log to disk on every commit, so an event whose append returned survives a crash of
///   the process *and* of the machine; ``Durability/normal`` survives a process crash only.
/// - **Concurrency.** Appends are serialised on one writer connection, each in its own
///   `BEGIN IMMEDIATE` transaction; each replay reads one consistent snapshot, a page at a
///   time, on a read-only connection of its own (at most `maxReaders` at once) without waiting
///   for writers (see ``replay(channel:lastEventID:)``).
/// - **Several stores on one file.** Stores in several processes (or several stores in one
///   process) may open the same file on one machine (not on a network file system: the
///   write-ahead log needs shared memory). Their appends take turns on SQLite's write lock,
///   each waiting up to ``busyTimeout`` for it before failing with `SQLITE_BUSY`; sequences and
///   ids stay unique and ordered across them, and each replay sees every committed append.
///   But `deliver` runs only in the process that appended: a server's live subscribers get the
///   events published through *its* store, and see the other processes' events only when they
///   replay (after a reconnect).
/// - **Retention.** Replays never include events older than ``Retention/maxAge``. Applied by each append to its channel, oldest first, deleting at most
///   ``trimBatchLimit`` events per append, so no publisher pays for a large backlog at once
///   (a backlog, for example after a tighter ``Retention`` or a long idle spell, shrinks over
///   the following appends). Idempotence by id holds for as long as retention keeps the event.
/// - **Errors at open.** A file that is corrupt, is not a database, cannot be created or cannot
///   be written fails ``open(path:retention:durability:busyTimeout:replayPageSize:maxReaders:now:)`` with an ``SQLiteRepositoryError``;
///   opening runs SQLite's `quick_check`, which reads the whole file once.
///
/// Call ``close()`` when done.
public final class SQLiteRepository: EventStore {
    /// The most events one append deletes to enforce retention.
    public static let trimBatchLimit = 256

    /// The database file.
    public let path: String

    /// What each channel keeps.
    public let retention: Retention

    /// How long an append waits for another connection's write lock (another process's, or
    /// another store's on the same file) before it fails with `SQLITE_BUSY`.
    public let busyTimeout: Duration

    /// The most events a replay reads from the database at once.
    public let replayPageSize: Int

    let writer: SQLiteConnection
    let readers: SQLiteReaderPool
    let writerLock = WriterLock()
    let now: @Sendable () -> Date
    /// How many pages replays have read, for tests of paging.
    let replayPages = LockedState(0)

    init(
        path: String, retention: Retention, busyTimeout: Duration, replayPageSize: Int, writer: SQLiteConnection,
        readers: SQLiteReaderPool, now: @escaping @Sendable () -> Date
    ) {
        self.path = path
        self.retention = retention
        self.busyTimeout = busyTimeout
        self.replayPageSize = replayPageSize
        self.writer = writer
        self.readers = readers
        self.now = now
    }

    /// Closes the database. The store cannot be used afterwards; replays still being read keep
    /// their connection until they end or are dropped.
    ///
    /// - Throws: When SQLite fails to close a connection.
    public func close() async throws {
        try await writerLock.withLock {
            try await readers.close()
            try await writer.close()
        }
    }

    /// Reads an `sse_events` row.
    static func storedEvent(_ row: SQLiteRow) -> StoredEvent {
        StoredEvent(
            id: row.column("id")?.string ?? "",
            event: row.column("type")?.string ?? "",
            data: row.column("data")?.string ?? "",
            sequence: row.column("sequence")?.integer ?? 0,
            time: date(milliseconds: row.column("time")?.integer ?? 0)
        )
    }

    /// The time stored for `date`: whole milliseconds since 1970.
    static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The date a stored time stands for.
    static func date(milliseconds: Int) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
