#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import PostgresNIO
import SSEProtocol
import SSERepositories

extension PostgresEventStore {
    /// The channel's events strictly after `lastEventID`, in sequence order, read a page
    /// (``Configuration/replayPageSize`` events) at a time as the subscriber takes them.
    ///
    /// Before it returns, the replay reads the coverage and the channel's last sequence (its
    /// ``Replay/lastSequence``): it yields the events up to that sequence, which were all
    /// committed when it was read, and nothing appended later. No transaction or connection is
    /// held between pages, so a replay holds at most one page whatever the channel holds;
    /// events that retention removes while a long replay runs are skipped.
    ///
    /// Events older than ``Retention/maxAge`` are not replayed even while they are not
    /// trimmed yet; for coverage they count as trimmed.
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - lastEventID: The subscriber's last event ID; empty to replay everything kept.
    /// - Returns: ``StoredEvent`` values and their coverage, as ``EventStore`` describes.
    /// - Throws: The database's error; the events sequence throws it if a later page cannot be read.
    public func replay(channel: String, lastEventID: String) async throws -> Replay {
        try await waitUntilReady()
        let expiry = configuration.retention.expiry(now: Date()) ?? .distantPast
        // One statement, so one snapshot: the coverage cannot mix states before and after a trim.
        let rows = try await client.query(
            """
            SELECT c.last_sequence, c.trimmed_sequence, c.trimmed_id, a.sequence,
                (SELECT e.time < \(expiry) FROM \(unescaped: tables.events) e
                 WHERE e.channel = c.channel AND e.sequence > COALESCE(a.sequence, c.trimmed_sequence)
                 ORDER BY e.sequence LIMIT 1)
            FROM \(unescaped: tables.channels) c
            LEFT JOIN \(unescaped: tables.events) a ON a.channel = c.channel AND a.id = \(lastEventID)
            WHERE c.channel = \(channel)
            """,
            logger: configuration.logger
        )
        var header: (last: Int, trimmed: Int, trimmedID: String?, anchor: Int?, expired: Bool?)?
        for try await row in rows.decode((Int, Int, String?, Int?, Bool?).self) {
            header = (row.0, row.1, row.2, row.3, row.4)
        }
        guard let header else {
            return .of([], coverage: lastEventID.isEmpty ? .complete : .reset, lastSequence: 0)
        }
        // Whether the subscriber's history resumes: its last event is held, or is the newest
        // trimmed one; the first event after it having expired loses history as a trim does.
        let resumes = lastEventID.isEmpty || header.anchor != nil || lastEventID == header.trimmedID
        let lost = header.expired ?? false
        let coverage: ReplayCoverage =
            if !resumes { .reset }
            else if lastEventID.isEmpty { header.trimmed > 0 || lost ? .partial : .complete }
            else { lost ? .reset : .complete }
        let cursor = PostgresReplayCursor(
            store: self, channel: channel, after: coverage == .complete ? (header.anchor ?? 0) : 0,
            through: header.last, expiry: expiry
        )
        let events = AsyncThrowingStream<any ServerSentEvent, any Error> { try await cursor.next() }
        return Replay(coverage: coverage, events: events, lastSequence: header.last)
    }

    /// Reads up to `limit` of the channel's events after `sequence` up to `through`, leaving
    /// out those appended before `expiry`.
    func events(channel: String, after sequence: Int, through: Int, expiry: Date = .distantPast, limit: Int) async throws
        -> [StoredEvent]
    {
        let rows = try await client.query(
            """
            SELECT sequence, id, type, data, time FROM \(unescaped: tables.events)
            WHERE channel = \(channel) AND sequence > \(sequence) AND sequence <= \(through) AND time >= \(expiry)
            ORDER BY sequence LIMIT \(limit)
            """,
            logger: configuration.logger
        )
        var events: [StoredEvent] = []
        for try await (sequence, id, type, data, time) in rows.decode((Int, String, String, ByteBuffer, Date).self) {
            events.append(StoredEvent(id: id, event: type, data: String(buffer: data), sequence: sequence, time: time))
        }
        return events
    }
}

/// A replay's position: hands out one page of events at a time, reading the next page only
/// when the previous one is taken.
actor PostgresReplayCursor {
    private let store: PostgresEventStore
    private let channel: String
    private let through: Int
    private let expiry: Date
    private var after: Int
    private var page: [StoredEvent] = []
    private var index = 0
    private var exhausted = false

    init(store: PostgresEventStore, channel: String, after: Int, through: Int, expiry: Date) {
        self.store = store
        self.channel = channel
        self.after = after
        self.through = through
        self.expiry = expiry
    }

    /// The next event, or `nil` after the last.
    func next() async throws -> (any ServerSentEvent)? {
        if index == page.count {
            guard !exhausted, after < through else { return nil }
            let limit = store.configuration.replayPageSize
            page = try await store.events(channel: channel, after: after, through: through, expiry: expiry, limit: limit)
            index = 0
            exhausted = page.count < limit
            guard let last = page.last else { return nil }
            after = last.sequence
        }
        defer { index += 1 }
        return page[index]
    }
}
