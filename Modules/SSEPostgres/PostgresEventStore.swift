import Logging
import PostgresNIO
import SSEProtocol
import SSERepositories
import ServiceLifecycle

/// An ``EventStore`` in PostgreSQL: one history shared by every server node that points at the
/// same database, so a client that reconnects to any node resumes without gap or duplicate.
///
/// Appends are batched: those that arrive while an append transaction is in flight go together
/// in the next one (one round trip, through a function the store installs, and one commit, so
/// one `fsync`, for the whole batch; see ``Configuration/maxBatchEvents``). For each event the
/// transaction takes the channel's counter row, inserts the event with the next sequence and
/// issues `NOTIFY`; per channel the commit order is the sequence order, without gaps, and an
/// event is announced exactly when it becomes visible. The wire id is the publisher's id, or the
/// sequence when the event has none; `(channel, id)` is unique, so a publisher that retries on
/// another node gets exactly-once. Event data is stored as `bytea`, so any data the encoder
/// accepts (NUL included) survives.
///
/// The store is a swift-service-lifecycle `Service`: ``run()`` runs the PostgreSQL client's
/// connection pool and trims history to the ``Configuration/retention`` in the background,
/// one node at a time (under an advisory lock), without blocking publishers. Appends and
/// replays wait until ``run()`` has started.
///
/// ```swift
/// let store = try PostgresEventStore(configuration: .init(url: "postgres://app@db:5432/app"))
/// let broker = PostgresEventBroker(store: store)
/// let server = EventServer(broker: broker)
/// server.register(store, for: "news")
/// let group = ServiceGroup(services: [store, broker, server], logger: logger)
/// ```
public final class PostgresEventStore: EventStore, Service {
    /// The schema version this library writes into `sse_meta`.
    static let schemaVersion = 2

    /// The versions this library finds in `sse_meta` and upgrades to ``schemaVersion`` (1 lacks
    /// `sse_append_batch`; its tables are the same).
    static let upgradableSchemaVersions: Set<Int> = [1, 2]

    /// The store's settings.
    public let configuration: Configuration

    let client: PostgresClient
    let tables: PostgresTables
    let batcher: AppendBatcher
    private let ready = ReadyGate()

    /// Creates a store; nothing is connected until ``run()``.
    ///
    /// - Parameter configuration: Where the database is, and what the store keeps.
    public init(configuration: Configuration) {
        self.configuration = configuration
        self.tables = PostgresTables(schema: configuration.schema)
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: configuration.logger)
        self.client = client
        self.batcher = AppendBatcher(
            maxEvents: configuration.maxBatchEvents, maxBytes: configuration.maxBatchBytes,
            maxQueued: configuration.maxQueuedAppends,
            send: { [tables, logger = configuration.logger] batch in
                await Self.send(batch, client: client, tables: tables, logger: logger)
            }
        )
    }

    /// Runs the connection pool, creates the schema when it is missing (checking the version
    /// of one that exists), then sends batches of appends and trims history every
    /// ``Configuration/trimInterval`` (the first time one interval after the start) until
    /// graceful shutdown or cancellation. At graceful shutdown the appends already waiting are
    /// sent before the pool closes; later ones throw ``PostgresStoreError/closed``.
    ///
    /// - Throws: ``PostgresStoreError/invalidConfiguration(_:)`` for a bound that is not positive,
    ///   ``PostgresStoreError/schemaVersion(found:expected:)`` when the database holds another
    ///   schema version, or the database's error when the schema cannot be created.
    public func run() async throws {
        do {
            try configuration.validate()
        } catch {
            ready.open(error)
            throw error
        }
        // The pool is cancelled only once the trim loop and the batches have ended, so that a
        // trim or batch in progress when shutdown begins gives its connection back first. It
        // runs detached: PostgresClient.run() would otherwise see the graceful shutdown itself
        // and close the pool under the appends still waiting.
        let pool = Task.detached { [client] in await client.run() }
        do {
            try await createSchema()
            ready.open(nil)
        } catch {
            ready.open(error)
            pool.cancel()
            await pool.value
            throw error
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.batcher.run() }
            await cancelWhenGracefulShutdown {
                await self.trimPeriodically()
            }
            // Appends already queued are still sent; later ones are refused.
            ready.open(PostgresStoreError.closed)
            batcher.finish()
        }
        pool.cancel()
        await pool.value
    }

    /// Waits until ``run()`` has created or checked the schema.
    ///
    /// - Throws: The error that stopped ``run()``, or ``PostgresStoreError/closed``.
    public func waitUntilReady() async throws {
        try await ready.wait()
    }

    private func trimPeriodically() async {
        while true {
            try? await Task.sleep(for: configuration.trimInterval)
            if Task.isCancelled { return }
            do {
                try await trim()
            } catch {
                if !Task.isCancelled { configuration.logger.error("Trimming history failed: \(String(reflecting: error))") }
            }
        }
    }
}
