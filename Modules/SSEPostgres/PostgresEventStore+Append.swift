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
    /// Appends an event to a channel unless the channel holds its id, assigning an id (the
    /// decimal sequence) when it has none, in one transaction that also announces the event
    /// with `NOTIFY` at its commit.
    ///
    /// `deliver` runs after the commit. Appends from several tasks or nodes commit in sequence
    /// order per channel, but their `deliver` calls on one node can run in another order: use
    /// ``PostgresEventBroker``, which delivers from `LISTEN` in sequence order and makes
    /// ``EventServer`` skip `deliver`.
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks for one.
    ///   - channel: The channel.
    ///   - deliver: Called with a new event after its commit.
    /// - Returns: The event as stored, and whether it was already there.
    /// - Throws: The database's error (nothing was stored then), or the error that stopped
    ///   ``run()``.
    public func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult {
        try await waitUntilReady()
        let data = ByteBuffer(string: event.data)
        let inline = !data.readableBytesView.contains(0)
        let size = event.id.utf8.count + event.event.utf8.count + data.readableBytes
        let rows = try await client.query(
            """
            SELECT o_sequence, o_id, o_type, o_data, o_time, o_stored
            FROM \(unescaped: tables.append)(\(channel), \(event.id), \(event.event), \(data), \(size), \(inline))
            """,
            logger: configuration.logger
        )
        var result: AppendResult?
        for try await (sequence, id, type, storedData, time, isNew) in rows.decode((Int, String, String, ByteBuffer?, Date, Bool).self) {
            let stored = StoredEvent(
                id: id, event: type, data: storedData.map { String(buffer: $0) } ?? event.data, sequence: sequence, time: time
            )
            result = isNew ? .stored(stored) : .duplicate(stored)
        }
        guard let result else { throw PostgresStoreError.noResult }
        if case .stored(let stored) = result { deliver(stored) }
        return result
    }
}
