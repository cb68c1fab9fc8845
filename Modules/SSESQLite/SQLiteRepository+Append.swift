import SQLiteNIO
import SSEProtocol
import SSERepositories

extension SQLiteRepository {
    /// Appends an event to a channel unless the channel holds its id, assigning an id when it has
    /// none, and enforces retention, all in one transaction that is durable when this returns.
    ///
    /// Once started, the transaction runs to its end even if the calling task is cancelled.
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks for one (the decimal sequence number).
    ///   - channel: The channel.
    ///   - deliver: Called with a new event after its commit, before the next append starts.
    /// - Returns: The event as stored, and whether it was already there.
    /// - Throws: `SQLiteError` when the database cannot be written; nothing was stored then.
    public func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult {
        let time = Self.milliseconds(now())
        // The transaction runs in a task of its own, which the caller's cancellation does not
        // reach, so it always ends in COMMIT or ROLLBACK; awaiting its value keeps `deliver` alive.
        return try await withoutActuallyEscaping(deliver) { deliver in
            try await Task {
                try await writerLock.withLock {
                    try await beginWriting()
                    let result: AppendResult
                    do {
                        result = try await appendInTransaction(event, to: channel, time: time)
                        try await execute(result.isDuplicate ? "ROLLBACK" : "COMMIT")
                    } catch {
                        _ = try? await execute("ROLLBACK")
                        throw error
                    }
                    if case .stored(let stored) = result { deliver(stored) }
                    return result
                }
            }.value
        }
    }

    private func appendInTransaction(_ event: any ServerSentEvent, to channel: String, time: Int) async throws
        -> AppendResult
    {
        let size = event.id.utf8.count + event.event.utf8.count + event.data.utf8.count
        let counters = try await execute(
            """
            INSERT INTO sse_channels (channel, last_sequence, count, bytes) VALUES (?1, 1, 1, ?2)
            ON CONFLICT (channel) DO UPDATE
            SET last_sequence = last_sequence + 1, count = count + 1, bytes = bytes + ?2
            RETURNING last_sequence, count, bytes
            """,
            [.text(channel), .integer(size)]
        )[0]
        var sequence = counters.column("last_sequence")?.integer ?? 0
        while true {
            let id = event.id.isEmpty ? String(sequence) : event.id
            let stored = StoredEvent(
                id: id, event: event.event, data: event.data, sequence: sequence,
                time: Self.date(milliseconds: time)
            )
            let inserted = try await execute(
                """
                INSERT INTO sse_events (channel, sequence, id, type, data, time, size)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                ON CONFLICT (channel, id) DO NOTHING
                RETURNING sequence
                """,
                [.text(channel), .integer(sequence), .text(id), .text(event.event), .text(event.data),
                 .integer(time), .integer(stored.size)]
            )
            if !inserted.isEmpty {
                try await trim(
                    channel, newest: sequence, time: time,
                    count: counters.column("count")?.integer ?? 0,
                    bytes: (counters.column("bytes")?.integer ?? 0) - size + stored.size
                )
                return .stored(stored)
            }
            if !event.id.isEmpty {
                let existing = try await execute(
                    "SELECT sequence, id, type, data, time FROM sse_events WHERE channel = ?1 AND id = ?2",
                    [.text(channel), .text(id)]
                )
                return .duplicate(Self.storedEvent(existing[0]))
            }
            // A publisher already used this number as an id: take the next one.
            sequence = try await execute(
                "UPDATE sse_channels SET last_sequence = last_sequence + 1 WHERE channel = ?1 RETURNING last_sequence",
                [.text(channel)]
            )[0].column("last_sequence")?.integer ?? sequence + 1
        }
    }

    /// Deletes the channel's oldest events while a retention limit is exceeded, keeping `newest`
    /// and deleting at most ``trimBatchLimit``.
    private func trim(_ channel: String, newest: Int, time: Int, count: Int, bytes: Int) async throws {
        let expiry = retention.expiry(now: Self.date(milliseconds: time)).map(Self.milliseconds)
        var count = count
        var bytes = bytes
        func overLimit() -> Bool {
            (retention.maxEvents.map { count > $0 } ?? false) || (retention.maxBytes.map { bytes > $0 } ?? false)
        }
        func exceeded(_ oldestTime: Int) -> Bool {
            overLimit() || (expiry.map { oldestTime < $0 } ?? false)
        }
        guard overLimit() || expiry != nil else { return }
        let oldest = try await execute(
            "SELECT sequence, id, size, time FROM sse_events WHERE channel = ?1 AND sequence < ?2 ORDER BY sequence LIMIT ?3",
            [.text(channel), .integer(newest), .integer(Self.trimBatchLimit)]
        )
        var last: SQLiteRow?
        for row in oldest {
            guard exceeded(row.column("time")?.integer ?? .max) else { break }
            count -= 1
            bytes -= row.column("size")?.integer ?? 0
            last = row
        }
        guard let last, let sequence = last.column("sequence")?.integer else { return }
        try await execute("DELETE FROM sse_events WHERE channel = ?1 AND sequence <= ?2", [.text(channel), .integer(sequence)])
        try await execute(
            "UPDATE sse_channels SET count = ?2, bytes = ?3, trimmed_sequence = ?4, trimmed_id = ?5 WHERE channel = ?1",
            [.text(channel), .integer(count), .integer(bytes), .integer(sequence), last.column("id") ?? .null]
        )
    }

    /// Starts the write transaction, waiting while another connection (another process, or
    /// another store on the same file) holds the write lock: retries after 1 ms, doubling up to
    /// 50 ms, for at most ``busyTimeout``.
    ///
    /// - Throws: `SQLiteError` with reason `busy` once the timeout has passed.
    private func beginWriting() async throws {
        let deadline = ContinuousClock.now + busyTimeout
        var pause = Duration.milliseconds(1)
        while true {
            do {
                _ = try await execute("BEGIN IMMEDIATE")
                return
            } catch let error as SQLiteError where error.reason == .busy && ContinuousClock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }

    /// Runs `sql` with `binds` on the writer connection and returns the rows it produced.
    @discardableResult
    private func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await writer.rows(sql, binds)
    }
}
