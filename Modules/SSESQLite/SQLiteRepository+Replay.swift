import SQLiteNIO
import SSEProtocol
import SSERepositories

extension SQLiteRepository {
    /// The channel's events strictly after `lastEventID`, in publish order, read from one
    /// snapshot a page at a time as the subscriber reads them.
    ///
    /// The replay opens a read transaction on a connection of its own (see `maxReaders` in
    /// ``open(path:retention:durability:busyTimeout:replayPageSize:maxReaders:now:)``), reads
    /// the coverage and the first ``replayPageSize`` events before it returns, and reads each
    /// further page only when the subscriber has taken the previous one, so at most one page of
    /// rows is held whatever the channel holds. A replay that fits in one page ends its
    /// transaction before it returns; a longer one ends it after its last page, or when its
    /// events sequence is dropped. Events appended or trimmed meanwhile do not change it.
    ///
    /// Events older than ``Retention/maxAge`` are not replayed even while no append has trimmed
    /// them yet; for coverage they count as trimmed (ages are compared in sequence order, which
    /// is time order unless the clock went back).
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - lastEventID: The subscriber's last event ID; empty to replay everything kept.
    /// - Returns: ``StoredEvent`` values and their coverage, as ``EventStore`` describes.
    /// - Throws: `SQLiteError` when the database cannot be read, ``SQLiteRepositoryError/closed``
    ///   after ``close()``; the events sequence throws `SQLiteError` if a later page cannot be read.
    public func replay(channel: String, lastEventID: String) async throws -> Replay {
        let expiry = retention.expiry(now: now()).map(Self.milliseconds) ?? .min
        let connection = try await readers.acquire()
        do {
            _ = try await connection.rows("BEGIN")
            let header = try await connection.rows(Self.headerSQL, [.text(channel), .text(lastEventID)])[0]
            let anchor = header.column("anchor")?.integer
            let trimmedID = header.column("trimmed_id")?.string
            let trimmedSequence = header.column("trimmed_sequence")?.integer ?? 0
            let lastSequence = header.column("last_sequence")?.integer ?? 0
            // Where the subscriber's history resumes, if it resumes at all; expired events just
            // after it are lost as if trimmed.
            let resumesAfter: Int? =
                if lastEventID.isEmpty { trimmedSequence }
                else if let anchor { anchor }
                else if lastEventID == trimmedID { trimmedSequence }
                else { nil }
            var coverage: ReplayCoverage = .reset
            if let resumesAfter {
                let lost = try await lostToAge(after: resumesAfter, channel: channel, expiry: expiry, on: connection)
                coverage = lastEventID.isEmpty ? (trimmedSequence > 0 || lost ? .partial : .complete) : (lost ? .reset : .complete)
            }
            let cursor = try await SQLiteReplayCursor.start(
                store: self, connection: connection, channel: channel,
                after: coverage == .complete ? (anchor ?? 0) : 0, through: lastSequence, expiry: expiry
            )
            let events = AsyncThrowingStream<any ServerSentEvent, any Error> { try await cursor.next() }
            return Replay(coverage: coverage, events: events, lastSequence: lastSequence)
        } catch {
            await endReplay(on: connection)
            throw error
        }
    }

    /// Whether the channel's first event after `sequence` has outlived the maximum age.
    private func lostToAge(after sequence: Int, channel: String, expiry: Int, on connection: SQLiteConnection) async throws
        -> Bool
    {
        guard expiry != .min else { return false }
        let next = try await connection.rows(
            "SELECT time FROM sse_events WHERE channel = ?1 AND sequence > ?2 ORDER BY sequence LIMIT 1",
            [.text(channel), .integer(sequence)]
        )
        return next.first.flatMap { $0.column("time")?.integer }.map { $0 < expiry } ?? false
    }

    /// Reads the page of events after `sequence` up to `through` that have not outlived
    /// `expiry`.
    func page(
        channel: String, after sequence: Int, through: Int, expiry: Int, on connection: SQLiteConnection
    ) async throws -> [StoredEvent] {
        replayPages.withLock { $0 += 1 }
        let rows = try await connection.rows(
            """
            SELECT sequence, id, type, data, time FROM sse_events
            WHERE channel = ?1 AND sequence > ?2 AND sequence <= ?3 AND time >= ?4
            ORDER BY sequence LIMIT ?5
            """,
            [.text(channel), .integer(sequence), .integer(through), .integer(expiry), .integer(replayPageSize)]
        )
        return rows.map(Self.storedEvent)
    }

    /// Ends the replay's read transaction and hands its connection back, or closes the
    /// connection if the transaction cannot be ended.
    func endReplay(on connection: SQLiteConnection) async {
        do {
            _ = try await connection.rows("ROLLBACK")
            readers.release(connection)
        } catch {
            await readers.close(broken: connection)
        }
    }

    /// The anchor's sequence (if the channel holds `lastEventID`), the newest trimmed id and
    /// sequence, and the channel's last sequence; one row, with NULLs for an unknown channel.
    private static let headerSQL = """
        SELECT (SELECT sequence FROM sse_events WHERE channel = ?1 AND id = ?2) AS anchor,
               (SELECT trimmed_id FROM sse_channels WHERE channel = ?1) AS trimmed_id,
               (SELECT trimmed_sequence FROM sse_channels WHERE channel = ?1) AS trimmed_sequence,
               (SELECT last_sequence FROM sse_channels WHERE channel = ?1) AS last_sequence
        """
}
