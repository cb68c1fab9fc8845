#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PostgresNIO
import SSERepositories

extension PostgresEventStore {
    /// The channels a trim pass reads per query.
    private static let trimChannelBatch = 100

    /// Trims every channel to the ``Configuration/retention``, unless another node is trimming.
    ///
    /// Each channel is trimmed in a short transaction on one pooled connection that first takes
    /// a transaction-level advisory lock (so one node at a time trims, and the lock cannot
    /// outlive the transaction even if the connection breaks), then deletes the channel's oldest
    /// events over a limit (never the newest) and records the newest removed one for replay
    /// coverage; publishers wait for the channel's counter row only while that commits.
    ///
    /// - Returns: Whether this node held the lock for every channel; `false` when another node
    ///   was trimming (this pass then stops).
    @discardableResult
    func trim() async throws -> Bool {
        let retention = configuration.retention
        guard retention.maxEvents != nil || retention.maxBytes != nil || retention.maxAge != nil else { return false }
        let logger = configuration.logger
        let t = tables
        return try await client.withConnection { connection in
            var last = ""
            while true {
                let rows = try await connection.query(
                    """
                    SELECT channel FROM \(unescaped: t.channels) WHERE channel > \(last)
                    ORDER BY channel LIMIT \(Self.trimChannelBatch)
                    """,
                    logger: logger
                )
                var channels: [String] = []
                for try await channel in rows.decode(String.self) { channels.append(channel) }
                for channel in channels {
                    let held = try await connection.withTransaction(logger: logger) { connection in
                        let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(\(t.lockKey))", logger: logger)
                        var held = false
                        for try await value in locked.decode(Bool.self) { held = value }
                        if held { try await trim(channel, on: connection, expiry: retention.expiry(now: Date())) }
                        return held
                    }
                    guard held else { return false }
                }
                guard channels.count == Self.trimChannelBatch, let next = channels.last else { return true }
                last = next
            }
        }
    }

    private func trim(_ channel: String, on connection: PostgresConnection, expiry: Date?) async throws {
        let retention = configuration.retention
        try await connection.query(
            """
            WITH ranked AS (
                SELECT sequence, id, time, row_number() OVER w AS rank, sum(size) OVER w AS bytes
                FROM \(unescaped: tables.events) WHERE channel = \(channel)
                WINDOW w AS (ORDER BY sequence DESC)
            ), doomed AS (
                SELECT sequence, id FROM ranked
                WHERE rank > 1 AND (rank > \(retention.maxEvents) OR bytes > \(retention.maxBytes) OR time < \(expiry))
                ORDER BY sequence DESC LIMIT 1
            ), deleted AS (
                DELETE FROM \(unescaped: tables.events) e USING doomed d WHERE e.channel = \(channel) AND e.sequence <= d.sequence
            )
            UPDATE \(unescaped: tables.channels) c SET trimmed_sequence = d.sequence, trimmed_id = d.id
            FROM doomed d WHERE c.channel = \(channel)
            """,
            logger: configuration.logger
        )
    }
}
