import Logging
import PostgresNIO
import SSERepositories

extension PostgresEventStore {
    /// Where the database is and what a ``PostgresEventStore`` keeps.
    public struct Configuration: Sendable {
        /// The PostgreSQL client's settings (server, credentials, pool size).
        public var client: PostgresClient.Configuration

        /// The settings of the dedicated connections on which the store creates its schema and a
        /// ``PostgresEventBroker`` listens: the same server and credentials as ``client``.
        public var listener: PostgresConnection.Configuration

        /// The PostgreSQL schema that holds the store's tables (`sse_meta`, `sse_channels`,
        /// `sse_events`); stores with different schemas in one database are independent. Letters,
        /// digits and underscores only (at most 56); it also names the `NOTIFY` channel.
        /// Defaults to `"sse"`.
        public var schema: String

        /// How much history each channel keeps. Defaults to ``defaultRetention``.
        public var retention: Retention

        /// How often a node trims history to ``retention`` (one node at a time). Defaults to 1 second.
        public var trimInterval: Duration

        /// How many events a replay reads per query, the most it holds at once. Defaults to 256.
        public var replayPageSize: Int

        /// The most events one append transaction carries. Appends that arrive while a batch is
        /// in flight wait and go together in the next one, so one commit (one `fsync`) covers
        /// them all. Defaults to 256.
        public var maxBatchEvents: Int

        /// The most bytes (ids, types and data) one append transaction carries; an event larger
        /// than this goes alone. Defaults to 1 MiB.
        public var maxBatchBytes: Int

        /// The most appends waiting for the next batch; later callers wait (before their event is
        /// copied) until a batch takes some, they are never dropped. Defaults to 4,096.
        public var maxQueuedAppends: Int

        /// Where the store and the PostgreSQL client log. Defaults to a logger that discards everything.
        public var logger: Logger

        /// What a store keeps per channel unless told otherwise: the newest 100,000 events, at most
        /// 64 MiB of ids, types and data, none older than 7 days, whichever limit is reached first.
        public static let defaultRetention = Retention(maxEvents: 100_000, maxBytes: 64 << 20, maxAge: .seconds(7 * 86_400))

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - client: The PostgreSQL client's settings.
        ///   - listener: The same server and credentials, for a broker's listening connection.
        ///   - schema: The schema that holds the tables. Defaults to `"sse"`.
        ///   - retention: The history kept per channel. Defaults to ``defaultRetention``.
        ///   - trimInterval: How often history is trimmed. Defaults to 1 second.
        ///   - replayPageSize: Events read per replay query. Defaults to 256.
        ///   - maxBatchEvents: The most events per append transaction. Defaults to 256.
        ///   - maxBatchBytes: The most bytes per append transaction. Defaults to 1 MiB.
        ///   - maxQueuedAppends: The most appends waiting for the next batch. Defaults to 4,096.
        ///   - logger: Where to log. Defaults to a logger that discards everything.
        public init(
            client: PostgresClient.Configuration,
            listener: PostgresConnection.Configuration,
            schema: String = "sse",
            retention: Retention = defaultRetention,
            trimInterval: Duration = .seconds(1),
            replayPageSize: Int = 256,
            maxBatchEvents: Int = 256,
            maxBatchBytes: Int = 1 << 20,
            maxQueuedAppends: Int = 4_096,
            logger: Logger = Logger(label: "sse.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        ) {
            precondition(replayPageSize > 0, "replayPageSize must be positive")
            precondition(trimInterval > .zero, "trimInterval must be positive")
            precondition(PostgresTables.isValid(schema: schema), "schema must be 1 to 56 letters, digits and underscores")
            self.client = client
            self.listener = listener
            self.schema = schema
            self.retention = retention
            self.trimInterval = trimInterval
            self.replayPageSize = replayPageSize
            self.maxBatchEvents = maxBatchEvents
            self.maxBatchBytes = maxBatchBytes
            self.maxQueuedAppends = maxQueuedAppends
            self.logger = logger
        }

        /// Checks the bounds that can be changed after ``init(client:listener:schema:retention:trimInterval:replayPageSize:maxBatchEvents:maxBatchBytes:maxQueuedAppends:logger:)``.
        ///
        /// - Throws: ``PostgresStoreError/invalidConfiguration(_:)`` naming the first bound that is not positive.
        func validate() throws {
            for (name, value) in [
                ("replayPageSize", replayPageSize), ("maxBatchEvents", maxBatchEvents), ("maxBatchBytes", maxBatchBytes),
                ("maxQueuedAppends", maxQueuedAppends),
            ] where value <= 0 {
                throw PostgresStoreError.invalidConfiguration("\(name) must be positive, not \(value)")
            }
        }
    }
}
