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
/// Publishing never waits for a subscriber: an event is encoded once, and the same bytes are
/// queued for every subscriber of its channels. A subscriber's queued events go out together
/// in one write. A subscriber that falls more than ``Configuration/bufferSize`` events behind
/// is disconnected (it can resume with `Last-Event-ID`); nobody else notices.
///
/// The server reports swift-metrics under ``Configuration/metricsLabelPrefix``: `_connections`
/// (a meter of open streams) and the counters `_events_published`, `_events_delivered`,
/// `_events_replayed` and `_slow_consumer_disconnects`.
public final class EventServer: Sendable {
    /// The settings the server was created with.
    public let configuration: Configuration

    let metrics: EventServerMetrics
    let broker: any EventBroker
    private let state = LockedState(ServerState())
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
        let ended = state.withLock { state -> [Subscriber] in
            state.repositories[channel] = nil
            guard disconnectSubscribers else { return [] }
            return state.channels.removeValue(forKey: channel)?.items ?? []
        }
        for subscriber in ended { subscriber.end() }
    }

    /// Shuts the server down for good: every stream ends after the events queued for it, and
    /// later requests get `200` with the stream headers and an empty body.
    ///
    /// Calling it again, and publishing afterwards, do nothing.
    ///
    /// - Parameter reconnectWindow: When set, each stream ends with a `retry:` field of a random
    ///   delay up to this long, so that clients do not all reconnect at once. Defaults to `nil`.
    public func close(reconnectWindow: Duration? = nil) {
        let (subscribers, waiters) = state.withLock { state -> ([Subscriber], [CheckedContinuation<Void, Never>]) in
            guard !state.closed else { return ([], []) }
            state.closed = true
            state.heartbeat?.cancel()
            state.heartbeat = nil
            defer {
                state.channels = [:]
                state.closeWaiters = []
            }
            return (state.channels.values.flatMap(\.items), state.closeWaiters)
        }
        for subscriber in subscribers {
            let retry = reconnectWindow.map { window in
                encoder.encodeRetry(.milliseconds(Int64.random(in: 0...max(0, window.wholeMilliseconds))))
            }
            subscriber.end(lastChunk: retry)
        }
        for waiter in waiters { waiter.resume() }
    }

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
        state.withLock { state in
            guard !state.closed else { return }
            for channel in message.channels {
                guard let subscribers = state.channels[channel]?.items else { continue }
                for subscriber in subscribers { subscriber.enqueue(message.bytes, sequence: message.sequence) }
            }
        }
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
            capacity: configuration.bufferSize,
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
        state.withLock { state in
            if state.channels[subscriber.channel]?.remove(subscriber) == true,
               state.channels[subscriber.channel]?.items.isEmpty == true {
                state.channels[subscriber.channel] = nil
            }
        }
        metrics.connectionClosed()
        if reason == .slowConsumer { metrics.slowConsumerDisconnected() }
        configuration.logger.debug(
            "Stream ended: \(reason)",
            metadata: [SSELogMetadataKey.channel: "\(subscriber.channel)"]
        )
    }

    private func startHeartbeatIfNeeded(_ state: inout ServerState) {
        guard state.heartbeat == nil, let interval = configuration.heartbeatInterval else { return }
        let comment = (try? encoder.encodeComment(configuration.heartbeatComment)) ?? Array(":\n".utf8)
        state.heartbeat = Task { [weak self] in
            while (try? await Task.sleep(for: interval)) != nil {
                guard let self else { return }
                let subscribers = self.state.withLock { $0.channels.values.flatMap(\.items) }
                for subscriber in subscribers { subscriber.heartbeat(comment) }
            }
        }
    }

    /// Returns once the server is closed.
    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = state.withLock { state in
                if !state.closed { state.closeWaiters.append(continuation) }
                return state.closed
            }
            if closed { continuation.resume() }
        }
    }
}

/// Everything an ``EventServer`` guards with its lock.
struct ServerState: ~Copyable {
    var closed = false
    var channels: [String: SubscriberList] = [:]
    var repositories: [String: any Repository] = [:]
    var heartbeat: Task<Void, Never>?
    var closeWaiters: [CheckedContinuation<Void, Never>] = []
}

extension Duration {
    /// The duration in whole milliseconds, rounded down, never negative.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
