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
///     retention: Retention(maxEvents: 10_000, maxAge: .seconds(86_400))
/// )
/// defer { Task { try await store.close() } }
/// ```
///
/// - **Durability.** The database runs in write-ahead-log mode. An append returns after its
///   transaction committed at the ``Durability`` level chosen: ``Durability/full`` (the default)
///   syncs the log to disk on every commit, so an event whose append returned survives a crash of
///   the process *and* of the machine; ``Durability/normal`` survives a process crash only.
/// - **Concurrency.** Appends are serialised on one writer connection, each in its own
///   `BEGIN IMMEDIATE` transaction; replays run on a separate read-only connection and read a
///   consistent snapshot without waiting for writers. Several processes may share the file.
/// - **Retention.** Applied by each append to its channel, oldest first, deleting at most
///   ``trimBatchLimit`` events per append, so no publisher pays for a large backlog at once
///   (a backlog, for example after a tighter ``Retention`` or a long idle spell, shrinks over
///   the following appends). Idempotence by id holds for as long as retention keeps the event.
/// - **Errors at open.** A file that is corrupt, is not a database, cannot be created or cannot
///   be written fails ``open(path:retention:durability:now:)`` with an ``SQLiteRepositoryError``;
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

    let writer: SQLiteConnection
    let reader: SQLiteConnection
    let writerLock = WriterLock()
    let now: @Sendable () -> Date

    init(path: String, retention: Retention, writer: SQLiteConnection, reader: SQLiteConnection,
         now: @escaping @Sendable () -> Date) {
        self.path = path
        self.retention = retention
        self.writer = writer
        self.reader = reader
        self.now = now
    }

    /// Closes the database. The store cannot be used afterwards.
    ///
    /// - Throws: When SQLite fails to close a connection.
    public func close() async throws {
        try await writerLock.withLock {
            try await reader.close()
            try await writer.close()
        }
    }

    /// The channel's events strictly after `lastEventID`, in publish order, read in one snapshot.
    ///
    /// The whole replay is read before this returns, so its size is bounded by ``retention``.
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - lastEventID: The subscriber's last event ID; empty to replay everything kept.
    /// - Returns: ``StoredEvent`` values and their coverage, as ``EventStore`` describes.
    /// - Throws: `SQLiteError` when the database cannot be read.
    public func replay(channel: String, lastEventID: String) async throws -> Replay {
        let rows: [SQLiteRow] = try await reader.query(Self.replaySQL, [.text(channel), .text(lastEventID)])
        guard let header = rows.first else { return .of([], coverage: .reset) }
        let anchorFound = header.column("sequence")?.isNull == false
        let trimmedID = header.column("id")?.string
        let trimmedAny = (header.column("time")?.integer ?? 0) > 0
        let coverage: ReplayCoverage =
            if lastEventID.isEmpty { trimmedAny ? .partial : .complete }
            else if anchorFound || lastEventID == trimmedID { .complete }
            else { .reset }
        let lastSequence = header.column("type")?.integer ?? 0
        return .of(rows.dropFirst().map(Self.storedEvent), coverage: coverage, lastSequence: lastSequence)
    }

    /// One header row (the anchor's sequence, the newest trimmed id, the last sequence and the
    /// newest trimmed sequence), then the events.
    private static let replaySQL = """
        SELECT 0 AS kind,
               (SELECT sequence FROM sse_events WHERE channel = ?1 AND id = ?2) AS sequence,
               (SELECT trimmed_id FROM sse_channels WHERE channel = ?1) AS id,
               (SELECT last_sequence FROM sse_channels WHERE channel = ?1) AS type,
               NULL AS data,
               (SELECT trimmed_sequence FROM sse_channels WHERE channel = ?1) AS time
        UNION ALL
        SELECT 1, sequence, id, type, data, time FROM sse_events
        WHERE channel = ?1
          AND sequence > coalesce((SELECT sequence FROM sse_events WHERE channel = ?1 AND id = ?2), 0)
        ORDER BY kind, sequence
        """

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
