import Logging
import SSELogging
import SSEProtocol
import SSERepositories
import SSETransport

/// Publishes events to any number of channels and streams them to subscribers over HTTP (Go:
/// `eventsource.Server`).
///
/// Mount a handler per channel on an HTTP server, then publish:
///
/// ```swift
/// let server = EventServer()
/// let http = try await EmbeddedHTTPServer.start(port: 8080, routes: ["/time": server.handler(channel: "time")])
/// try server.publish(MessageEvent(id: "1", event: "tick", data: "12:00"), to: ["time"])
/// ```
///
/// Publishing never waits for a subscriber and does no I/O: an event is encoded once, and the
/// same bytes are queued for every subscriber of its channels; the writes run afterwards on
/// each connection's own context. Publications are fanned out one at a time (so every
/// subscriber sees them in one order) under a lock that only publishers take: the server's own
/// lock, which connections take when they start and end, is held only to look up a channel's
/// subscribers. A subscriber's queued events go out together in one write, and nothing is
/// written while its connection is not writable. A subscriber that falls more than
/// ``Configuration/bufferSize`` events or ``Configuration/maximumBufferedBytes`` bytes behind
/// is ended: its response ends normally (it can resume with `Last-Event-ID`), and its
/// connection is closed if that end is not sent within ``Configuration/finishDeadline``;
/// nobody else notices.
///
/// The server reports swift-metrics under ``Configuration/metricsLabelPrefix``: `_connections`
/// (a meter of open streams) and the counters `_events_published`, `_events_delivered`,
/// `_events_replayed` and `_slow_consumer_disconnects`.
public final class EventServer: Sendable {
    /// The settings the server was created with.
    public let configuration: Configuration

    let metrics: EventServerMetrics
    let broker: any EventBroker
    let state = LockedState(ServerState())
    /// Serialises fan-outs so that every subscriber sees publications in one order; taken by
    /// publishers only, never by a connection's context.
    private let fanOut = LockedState(())
    let encoder = EventEncoder()

    /// Creates a server.
    ///
    /// - Parameters:
    ///   - configuration: The server's settings.
    ///   - broker: What carries publications to subscribers. Defaults to a ``LocalEventBroker``
    ///     (this process only).
    public init(configuration: Configuration = Configuration(), broker: any EventBroker = LocalEventBroker()) {
        self.configuration = configuration
        self.metrics = EventServerMetrics(prefix: configuration.metricsLabelPrefix, factory: configuration.metricsFactory)
        self.broker = broker
        broker.attach { [weak self] message in self?.deliver(message) }
    }

    /// Publishes an event to the subscribers of one or more channels.
    ///
    /// Returns at once; does nothing after ``close(reconnectWindow:)``.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - channels: The channels to publish to.
    /// - Throws: ``EventStreamError/invalidField(_:)`` when the event's id or type would break
    ///   the stream's framing.
    public func publish(_ event: some ServerSentEvent, to channels: [String]) throws(EventStreamError) {
        guard !channels.isEmpty else { return }
        broker.publish(EventBrokerMessage(channels: channels, bytes: try encoder.encode(event)))
    }

    /// Publishes a comment line, in order with events, to one or more channels.
    ///
    /// - Parameters:
    ///   - text: The comment; clients ignore it.
    ///   - channels: The channels to publish to.
    /// - Throws: ``EventStreamError/invalidField(_:)`` when the text contains CR or LF.
    public func publishComment(_ text: String, to channels: [String]) throws(EventStreamError) {
        guard !channels.isEmpty else { return }
        broker.publish(EventBrokerMessage(channels: channels, bytes: try encoder.encodeComment(text)))
    }

    /// Sets the repository that replays a channel's history to resuming subscribers.
    ///
    /// - Parameters:
    ///   - repository: The repository; replaces any earlier one for the channel.
    ///   - channel: The channel.
    public func register(_ repository: any Repository, for channel: String) {
        state.withLock { $0.repositories[channel] = repository }
    }

    /// Removes a channel's repository, and optionally ends its open streams (Go: `Unregister`).
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - disconnectSubscribers: Whether the channel's open streams are ended. Defaults to `false`.
    public func unregister(channel: String, disconnectSubscribers: Bool = false) {
        let (ended, waiters) = state.withLock { state -> ([Subscriber], [CheckedContinuation<Void, Never>]) in
            state.repositories[channel] = nil
            guard disconnectSubscribers else { return ([], []) }
            let ended = state.channels.removeValue(forKey: channel)?.items ?? []
            return (ended, state.takeWaitersIfDrained())
        }
        for subscriber in ended { subscriber.end() }
        for waiter in waiters { waiter.resume() }
    }

    /// Shuts the server down for good: every stream ends after the events queued for it, and
    /// later requests get `200` with the stream headers and an empty body.
    ///
    /// Returns at once. Each stream may take up to ``Configuration/shutdownDeadline`` to send
    /// its queued events and the `retry:` hint; its connection is closed after that. ``run()``
    /// returns once every stream has ended. Calling it again, and publishing afterwards, do
    /// nothing.
    ///
    /// - Parameter reconnectWindow: When set, each stream ends with a `retry:` field of a random
    ///   delay up to this long, so that clients do not all reconnect at once. The delay is at
    ///   least 1 ms (clients ignore `retry: 0`), and a window shorter than
    ///   ``minimumReconnectWindow`` is taken as that. Defaults to `nil`.
    public func close(reconnectWindow: Duration? = nil) {
        let (subscribers, waiters) = state.withLock { state -> ([Subscriber], [CheckedContinuation<Void, Never>]) in
            guard !state.closed else { return ([], []) }
            state.closed = true
            state.heartbeat?.cancel()
            state.heartbeat = nil
            return (state.channels.values.flatMap(\.items), state.takeWaitersIfDrained())
        }
        let window = reconnectWindow.map { max($0, Self.minimumReconnectWindow).wholeMilliseconds }
        for subscriber in subscribers {
            let retry = window.map { encoder.encodeRetry(.milliseconds(Int64.random(in: 1...$0))) }
            subscriber.end(lastChunk: retry, deadline: configuration.shutdownDeadline)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The shortest window ``close(reconnectWindow:)`` spreads reconnections over: 100 ms, the
    /// floor this package's client applies to a server's `retry:` anyway.
    public static let minimumReconnectWindow = Duration.milliseconds(100)

    /// The number of open streams on a channel.
    ///
    /// - Parameter channel: The channel.
    /// - Returns: How many subscribers are registered.
    public func subscriberCount(channel: String) -> Int {
        state.withLock { $0.channels[channel]?.items.count ?? 0 }
    }

    /// An HTTP handler that streams a channel to each request (Go: `Handler`).
    ///
    /// - Parameter channel: The channel to stream.
    /// - Returns: A handler to mount on an HTTP server.
    public func handler(channel: String) -> EventChannelHandler {
        EventChannelHandler(server: self, channel: channel)
    }

    // MARK: - Internals

    private func deliver(_ message: EventBrokerMessage) {
        let actions = fanOut.withLock { _ -> [(Subscriber, SubscriberQueue.Action)]? in
            // The array of a channel's subscribers is shared, not copied: O(1) under the lock.
            let lists = state.withLock { state -> [[Subscriber]]? in
                guard !state.closed else { return nil }
                return message.channels.compactMap { state.channels[$0]?.items }
            }
            guard let lists else { return nil }
            var actions: [(Subscriber, SubscriberQueue.Action)] = []
            for subscribers in lists {
                for subscriber in subscribers {
                    let action = subscriber.enqueue(message.bytes, sequence: message.sequence)
                    if action != .none { actions.append((subscriber, action)) }
                }
            }
            return actions
        }
        guard let actions else { return }
        for (subscriber, action) in actions { subscriber.perform(action) }
        metrics.publishedEvent()
    }

    /// Registers a new subscriber in its starting phase; `nil` once the server is closed.
    func subscribe(
        channel: String,
        responder: any HTTPServerResponder,
        compressor: (any StreamCompressor)?
    ) -> (Subscriber, (any Repository)?)? {
        let subscriber = Subscriber(
            channel: channel,
            responder: responder,
            settings: Subscriber.Settings(
                capacity: configuration.bufferSize,
                byteBudget: configuration.maximumBufferedBytes,
                finishDeadline: configuration.finishDeadline,
                clock: configuration.clock
            ),
            compressor: compressor,
            metrics: metrics
        ) { [weak self] subscriber, reason in
            self?.subscriberEnded(subscriber, reason: reason)
        }
        let repository = state.withLock { state -> (any Repository)?? in
            guard !state.closed else { return nil }
            state.channels[channel, default: SubscriberList()].insert(subscriber)
            startHeartbeatIfNeeded(&state)
            return .some(state.repositories[channel])
        }
        guard let repository else { return nil }
        metrics.connectionOpened()
        configuration.logger.debug(
            "Subscribed",
            metadata: [SSELogMetadataKey.channel: "\(channel)", SSELogMetadataKey.peer: "\(responder)"]
        )
        return (subscriber, repository)
    }

    private func subscriberEnded(_ subscriber: Subscriber, reason: Subscriber.EndReason) {
        let waiters = state.withLock { state in
            if state.channels[subscriber.channel]?.remove(subscriber) == true,
               state.channels[subscriber.channel]?.items.isEmpty == true {
                state.channels[subscriber.channel] = nil
            }
            return state.takeWaitersIfDrained()
        }
        for waiter in waiters { waiter.resume() }
        metrics.connectionClosed()
        configuration.logger.debug(
            "Stream ended: \(reason)",
            metadata: [SSELogMetadataKey.channel: "\(subscriber.channel)"]
        )
    }

    private func startHeartbeatIfNeeded(_ state: inout ServerState) {
        guard state.heartbeat == nil, let interval = configuration.heartbeatInterval else { return }
        let comment = (try? encoder.encodeComment(configuration.heartbeatComment)) ?? Array(":\n".utf8)
        let clock = configuration.clock
        state.heartbeat = Task { [weak self] in
            while (try? await sleep(on: clock, for: interval)) != nil {
                guard let self else { return }
                let subscribers = self.state.withLock { $0.channels.values.flatMap(\.items) }
                for subscriber in subscribers { subscriber.heartbeat(comment) }
            }
        }
    }

    /// Returns once the server is closed and every stream has ended.
    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                let done = state.closed && state.channels.isEmpty
                if !done { state.closeWaiters.append(continuation) }
                return done
            }
            if done { continuation.resume() }
        }
    }
}

/// Everything an ``EventServer`` guards with its lock.
struct ServerState: ~Copyable {
    var closed = false
    var channels: [String: SubscriberList] = [:]
    var repositories: [String: any Repository] = [:]
    var heartbeat: Task<Void, Never>?
    /// Waiting for the server to close and every stream to end.
    var closeWaiters: [CheckedContinuation<Void, Never>] = []

    /// Takes the close waiters once the server is closed and no stream is left.
    mutating func takeWaitersIfDrained() -> [CheckedContinuation<Void, Never>] {
        guard closed, channels.isEmpty, !closeWaiters.isEmpty else { return [] }
        defer { closeWaiters = [] }
        return closeWaiters
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down, never negative.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
