import Logging
import PostgresNIO
import SSEProtocol
import SSERepositories
import SSEServer
import ServiceLifecycle

/// An ``EventBroker`` over PostgreSQL `LISTEN`/`NOTIFY`: every ``EventServer`` node whose broker
/// listens on one ``PostgresEventStore``'s database delivers every publication, in the store's
/// sequence order per channel.
///
/// Events appended through the store are announced by the append transaction itself (`NOTIFY`
/// at COMMIT), so every node, the publishing one included, delivers only what arrives through
/// `LISTEN` or catch-up: an ``EventServer`` publishing through the store does not hand them to
/// the broker again (see ``carriesAppends(to:)``). An announcement carries the event when it
/// fits in a `NOTIFY` payload (8,000 bytes) and its data has no NUL; otherwise the broker reads
/// the event from the table.
///
/// The broker listens on a dedicated connection (``PostgresEventStore/Configuration/listener``)
/// with its own reconnect loop. After a lost connection it listens again, then catches up from
/// the table by sequence for every channel: nothing lost, nothing delivered twice. The first
/// connection delivers only what is committed after it listens.
///
/// Publications made without the store (``EventServer/publish(_:to:)`` and comments) are sent
/// as `NOTIFY` payloads in the order they were published; they are not stored, so a node that
/// is disconnected when they are sent misses them, and one larger than 7,999 bytes (or with a
/// NUL byte) is dropped with an error in the log.
///
/// Run the broker as a swift-service-lifecycle `Service`, after the store in the same
/// `ServiceGroup` (so it stops before the store).
public final class PostgresEventBroker: EventBroker, Service {
    /// How the broker reconnects.
    public struct Configuration: Sendable {
        /// The first wait after a lost or refused connection; doubled after each failed attempt
        /// up to ``maximumReconnectDelay``. Defaults to 100 milliseconds.
        public var reconnectDelay: Duration

        /// The longest wait between reconnect attempts. Defaults to 5 seconds.
        public var maximumReconnectDelay: Duration

        /// The most unstored publications waiting to be sent; later ones are dropped with an
        /// error in the log until the queue drains. Defaults to 10,000.
        public var outboxCapacity: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - reconnectDelay: The first wait before reconnecting. Defaults to 100 milliseconds.
        ///   - maximumReconnectDelay: The longest wait. Defaults to 5 seconds.
        ///   - outboxCapacity: The most unstored publications waiting to be sent. Defaults to 10,000.
        public init(
            reconnectDelay: Duration = .milliseconds(100),
            maximumReconnectDelay: Duration = .seconds(5),
            outboxCapacity: Int = 10_000
        ) {
            precondition(reconnectDelay > .zero && maximumReconnectDelay >= reconnectDelay, "reconnect delays must be positive and ordered")
            precondition(outboxCapacity > 0, "outboxCapacity must be positive")
            self.reconnectDelay = reconnectDelay
            self.maximumReconnectDelay = maximumReconnectDelay
            self.outboxCapacity = outboxCapacity
        }
    }

    /// The store whose announcements the broker listens to.
    public let store: PostgresEventStore

    /// How the broker reconnects.
    public let configuration: Configuration

    private let receivers = LockedState<[@Sendable (EventBrokerMessage) -> Void]>([])
    private let outbox: AsyncStream<EventBrokerMessage>
    private let outboxInput: AsyncStream<EventBrokerMessage>.Continuation
    private let listening = LockedState<Listening>(Listening())
    private let encoder = EventEncoder()

    /// How many connections the listen loop has caught up on, and who waits for a number.
    private struct Listening {
        var connections = 0
        var waiters: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    /// Creates a broker; nothing is connected until ``run()``.
    ///
    /// - Parameters:
    ///   - store: The store whose appends it announces and reads back.
    ///   - configuration: How it reconnects.
    public init(store: PostgresEventStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
        let (outbox, outboxInput) = AsyncStream<EventBrokerMessage>.makeStream(
            bufferingPolicy: .bufferingOldest(configuration.outboxCapacity)
        )
        self.outbox = outbox
        self.outboxInput = outboxInput
    }

    /// Adds a receiver.
    ///
    /// - Parameter receiver: Called for every message, one at a time, on the broker's listening task.
    public func attach(_ receiver: @escaping @Sendable (EventBrokerMessage) -> Void) {
        receivers.withLock { $0.append(receiver) }
    }

    /// Sends a publication made without the store to every node as a `NOTIFY` payload; returns at once.
    ///
    /// - Parameter message: The message.
    public func publish(_ message: EventBrokerMessage) {
        if case .dropped = outboxInput.yield(message) {
            store.configuration.logger.error("Dropped a publication: \(configuration.outboxCapacity) are already waiting to be sent")
        }
    }

    /// Whether `store` is this broker's store, whose appends it already carries.
    ///
    /// - Parameter store: A store an ``EventServer`` publishes through.
    /// - Returns: `true` for ``store``.
    public func carriesAppends(to store: any EventStore) -> Bool {
        (store as? PostgresEventStore) === self.store
    }

    /// Listens and delivers, reconnecting after a lost connection, and sends unstored
    /// publications, until graceful shutdown or cancellation.
    public func run() async throws {
        try await store.waitUntilReady()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.sendOutbox() }
            await cancelWhenGracefulShutdown { await self.listenLoop() }
            outboxInput.finish()
        }
    }

    /// Waits until the broker has listened `count` times (its first connection is 1, each
    /// reconnection adds 1) and caught up after the last of them.
    ///
    /// - Parameter count: The number of connections to wait for.
    public func waitUntilListening(connections count: Int = 1) async {
        await withCheckedContinuation { continuation in
            let reached = listening.withLock { state -> Bool in
                if state.connections >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if reached { continuation.resume() }
        }
    }

    // MARK: - Listening

    private func listenLoop() async {
        var delivered: [String: Int]?
        var delay = configuration.reconnectDelay
        var connectionID = 0
        while !Task.isCancelled {
            do {
                connectionID += 1
                let connection = try await PostgresConnection.connect(
                    configuration: store.configuration.listener, id: connectionID, logger: store.configuration.logger
                )
                do {
                    try await connection.listen(on: store.tables.notificationChannel) { notifications in
                        var state = try await catchUp(from: delivered)
                        delivered = state
                        delay = configuration.reconnectDelay
                        reachedConnection()
                        for try await notification in notifications {
                            try await handle(notification.payload, delivered: &state)
                            delivered = state
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch where !Task.isCancelled {
                store.configuration.logger.warning("Listening connection lost, reconnecting: \(String(reflecting: error))")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maximumReconnectDelay)
            } catch {}
        }
    }

    /// After `LISTEN`: on the first connection, notes each channel's last sequence (nothing
    /// before it is delivered); after a reconnection, delivers from the table what was committed
    /// while the broker was away.
    private func catchUp(from delivered: [String: Int]?) async throws -> [String: Int] {
        let rows = try await store.client.query(
            "SELECT channel, last_sequence FROM \(unescaped: store.tables.channels)", logger: store.configuration.logger
        )
        var last: [String: Int] = [:]
        for try await (channel, sequence) in rows.decode((String, Int).self) { last[channel] = sequence }
        guard var delivered else { return last }
        for (channel, sequence) in last where sequence > delivered[channel, default: 0] {
            try await read(channel, through: sequence, delivered: &delivered)
        }
        return delivered
    }

    private func handle(_ payload: String, delivered: inout [String: Int]) async throws {
        switch NotificationPayload(payload) {
        case .stored(let channel, let sequence, let event):
            let last = delivered[channel, default: 0]
            guard sequence > last else { return }
            if sequence == last + 1, let event {
                deliver(event, to: channel)
                delivered[channel] = sequence
            } else {
                try await read(channel, through: sequence, delivered: &delivered)
            }
        case .bytes(let channels, let bytes):
            deliver(EventBrokerMessage(channels: channels, bytes: bytes))
        case nil:
            store.configuration.logger.warning("Ignored a notification this library did not send: \(payload.prefix(80))")
        }
    }

    /// Delivers the channel's events after the last delivered one through `sequence`, from the table.
    private func read(_ channel: String, through sequence: Int, delivered: inout [String: Int]) async throws {
        var after = delivered[channel, default: 0]
        while after < sequence {
            let page = try await store.events(
                channel: channel, after: after, through: sequence, limit: store.configuration.replayPageSize
            )
            for event in page { deliver(event, to: channel) }
            guard let last = page.last else { break }
            after = last.sequence
        }
        delivered[channel] = sequence
    }

    private func deliver(_ event: StoredEvent, to channel: String) {
        do {
            deliver(EventBrokerMessage(channels: [channel], bytes: try encoder.encode(event), sequence: event.sequence))
        } catch {
            store.configuration.logger.error("Skipped a stored event that cannot be encoded: \(error)")
        }
    }

    private func deliver(_ message: EventBrokerMessage) {
        for receiver in receivers.withLock({ $0 }) { receiver(message) }
    }

    private func reachedConnection() {
        let ready = listening.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.connections += 1
            let count = state.connections
            let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
            state.waiters.removeAll { $0.0 <= count }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    // MARK: - Unstored publications

    private func sendOutbox() async {
        for await message in outbox {
            let payload = NotificationPayload.encode(channels: message.channels, bytes: message.bytes)
            guard payload.utf8.count <= NotificationPayload.limit, !message.bytes.contains(0) else {
                let error = PostgresStoreError.notificationTooLarge(size: payload.utf8.count, limit: NotificationPayload.limit)
                store.configuration.logger.error("Dropped a publication: \(error)")
                continue
            }
            do {
                try await store.client.query(
                    "SELECT pg_notify(\(store.tables.notificationChannel), \(payload))", logger: store.configuration.logger
                )
            } catch {
                store.configuration.logger.error("Dropped a publication that could not be sent: \(String(reflecting: error))")
            }
        }
    }
}
