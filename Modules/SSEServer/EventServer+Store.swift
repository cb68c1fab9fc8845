import SSEProtocol
import SSERepositories

extension EventServer {
    /// Publishes an event through a channel's ``EventStore``: appends it first, then delivers
    /// exactly what was stored, so a publisher that retries gets exactly-once delivery.
    ///
    /// An event whose id the store already holds is acknowledged as a duplicate and delivered
    /// to nobody; an event without an id gets one from the store. Deliveries follow the store's
    /// sequence order. When the server's ``EventBroker`` carries the store's appends itself
    /// (``EventBroker/carriesAppends(to:)``), the broker delivers them and this method only
    /// appends. Register the same store for the channel (``register(_:for:)``) so that
    /// resuming subscribers replay from it: a subscriber's replay and the live events published
    /// while it runs then hand over without gap or duplicate.
    ///
    /// ```swift
    /// let store = try await SQLiteRepository.open(path: "events.sqlite")
    /// server.register(store, for: "news")
    /// let result = try await server.publish(MessageEvent(data: "hello"), to: "news", storingIn: store)
    /// ```
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks the store to assign one.
    ///   - channel: The channel.
    ///   - store: The channel's store.
    /// - Returns: What the store did with the event: ``AppendResult/stored(_:)`` when it was
    ///   delivered, ``AppendResult/duplicate(_:)`` when it was not.
    /// - Throws: ``EventStreamError/invalidField(_:)`` when the event's id or type would break
    ///   the stream's framing (nothing is stored then), or the store's error.
    public func publish(
        _ event: some ServerSentEvent,
        to channel: String,
        storingIn store: any EventStore
    ) async throws -> AppendResult {
        let bytes = try encoder.encode(event)
        // A broker that hears the store's own announcements (PostgreSQL NOTIFY) delivers the
        // event on every node, this one included; handing it over here would deliver it twice.
        if broker.carriesAppends(to: store) { return try await store.append(event, to: channel) }
        return try await store.append(event, to: channel) { stored in
            // Only an assigned id changes the bytes; it is a decimal number, which always encodes.
            let encoded = stored.id == event.id ? bytes : (try? self.encoder.encode(stored)) ?? bytes
            self.broker.publish(EventBrokerMessage(channels: [channel], bytes: encoded, sequence: stored.sequence))
        }
    }
}
