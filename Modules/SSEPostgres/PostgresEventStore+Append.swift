#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import PostgresNIO
import SSEProtocol
import SSERepositories

extension PostgresEventStore {
    /// Appends an event to a channel unless the channel holds its id, assigning an id (the
    /// decimal sequence) when it has none, in a transaction that also announces the event with
    /// `NOTIFY` at its commit.
    ///
    /// Appends that arrive while another append transaction of this store is in flight wait and
    /// go together in the next one (at most ``Configuration/maxBatchEvents`` events and
    /// ``Configuration/maxBatchBytes`` bytes; at most ``Configuration/maxQueuedAppends`` wait, later
    /// callers wait for room). Each caller gets its own result; two events with one id in one
    /// batch are stored once, the second is a duplicate of the first. When the database refuses
    /// a batch (for example one event's id, type or channel holds a NUL, which `text` cannot
    /// store), nothing of it was stored and its events are appended again one by one, so the
    /// error reaches only the callers whose events were refused. Any other error (a lost
    /// connection) reaches every caller of the batch, as it would reach a lone append: the
    /// commit may or may not have happened.
    ///
    /// Cancelling a caller whose event still waits for a batch removes it: nothing is stored and
    /// the call throws `CancellationError`. Once the batch is sent, cancelling changes nothing:
    /// the caller waits for the commit and gets its result, so a stored event is never reported
    /// as failed.
    ///
    /// `deliver` runs after the commit, before this call returns. This store's own appends are
    /// delivered one at a time in sequence order per channel, whichever tasks made them (the
    /// ``EventStore`` contract); appends made by other nodes are not delivered here: use
    /// ``PostgresEventBroker``, which delivers every node's appends from `LISTEN` in sequence
    /// order and makes ``EventServer`` skip `deliver`.
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks for one.
    ///   - channel: The channel.
    ///   - deliver: Called with a new event after its commit, in sequence order with this store's other appends.
    /// - Returns: The event as stored, and whether it was already there.
    /// - Throws: The database's error (nothing was stored then, unless the connection was lost
    ///   during the commit), `CancellationError`, or the error that stopped ``run()``.
    public func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult {
        try await waitUntilReady()
        // The batcher calls `deliver` before this call returns, so it need not escape.
        return try await withoutActuallyEscaping(deliver) { deliver in
            try await batcher.append({
                let data = ByteBuffer(string: event.data)
                return AppendRequest(
                    channel: channel, id: event.id, type: event.event, data: data, text: event.data,
                    size: event.id.utf8.count + event.event.utf8.count + data.readableBytes,
                    inline: !data.readableBytesView.contains(0)
                )
            }, deliver: deliver)
        }
    }

    /// Sends one batch; when the database refuses it (so nothing was stored), sends its events
    /// one by one, so that each caller gets its own outcome.
    static func send(_ batch: [AppendRequest], client: PostgresClient, tables: PostgresTables, logger: Logger) async
        -> [Result<AppendResult, any Error>]
    {
        do {
            return try await appendBatch(batch, client: client, tables: tables, logger: logger).map { .success($0) }
        } catch let error as PSQLError where error.code == .server && batch.count > 1 {
            var results: [Result<AppendResult, any Error>] = []
            for request in batch {
                do {
                    results.append(.success(try await appendBatch([request], client: client, tables: tables, logger: logger)[0]))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        } catch {
            return Array(repeating: .failure(error), count: batch.count)
        }
    }

    /// Appends a batch in one statement, so one transaction; its results are in the batch's order.
    private static func appendBatch(_ batch: [AppendRequest], client: PostgresClient, tables: PostgresTables, logger: Logger)
        async throws -> [AppendResult]
    {
        let rows = try await client.query(
            """
            SELECT o_index, o_sequence, o_id, o_type, o_data, o_time, o_stored
            FROM \(unescaped: tables.appendBatch)(
                \(batch.map(\.channel)), \(batch.map(\.id)), \(batch.map(\.type)), \(batch.map(\.data)),
                \(batch.map(\.size)), \(batch.map(\.inline))
            )
            """,
            logger: logger
        )
        var results = [AppendResult?](repeating: nil, count: batch.count)
        for try await (index, sequence, id, type, storedData, time, isNew) in rows.decode(
            (Int, Int, String, String, ByteBuffer?, Date, Bool).self
        ) {
            guard (1...batch.count).contains(index) else { throw PostgresStoreError.noResult }
            let stored = StoredEvent(
                id: id, event: type, data: storedData.map { String(buffer: $0) } ?? batch[index - 1].text, sequence: sequence,
                time: time
            )
            results[index - 1] = isNew ? .stored(stored) : .duplicate(stored)
        }
        return try results.map { result in
            guard let result else { throw PostgresStoreError.noResult }
            return result
        }
    }
}
