import SSEProtocol

/// A ``Repository`` that publishers write to: the store a server appends each published event
/// to before it delivers it, so that replay and live delivery agree.
///
/// Implementers must guarantee:
/// - **Idempotence by id.** Appending an event whose id the channel still holds stores nothing
///   and returns ``AppendResult/duplicate(_:)`` with the event already stored, so a publisher that
///   retries after a crash gets exactly-once delivery (within the store's ``Retention``).
/// - **Assigned ids.** An event with an empty id gets one from the store, unique in its channel
///   and increasing with ``StoredEvent/sequence``, so that a subscriber can resume from it.
/// - **Publish order.** ``StoredEvent/sequence`` increases with every append to a channel, and
///   ``Repository/replay(channel:lastEventID:)`` yields ``StoredEvent`` values in that order,
///   strictly **after** the last event ID (unlike ``SliceRepository``).
/// - **Honest coverage.** For a non-empty last event ID the replay is
///   `ReplayCoverage.complete` when the id is held, or is the newest event retention removed
///   (nothing after it is gone); otherwise (never stored, malformed, or trimmed longer ago) it is
///   `ReplayCoverage.reset` and the replay holds everything kept. For the empty last event ID
///   (a server replaying everything to a subscriber that sent none) the replay holds everything
///   kept and is `ReplayCoverage.complete` if retention has never removed an event from the
///   channel, `ReplayCoverage.partial` otherwise.
/// - **Snapshots.** ``Repository/replay(channel:lastEventID:)`` reads one consistent snapshot
///   before it returns, holding every event up to ``Replay/lastSequence`` (which it sets), so a
///   server can drop live events the replay already holds.
/// - **Ordered delivery.** `deliver` callbacks of one channel run one at a time, in sequence
///   order, each after its event is durable and before a later append to the channel delivers.
/// - **Safety.** Appends and replays may run concurrently from many tasks.
public protocol EventStore: Repository {
    /// Appends an event to a channel, unless the channel already holds its id, and hands the
    /// stored event to `deliver` in the channel's sequence order.
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks the store to assign one.
    ///   - channel: The channel to append to.
    ///   - deliver: Called with the stored event once it is durable, before the next append to
    ///     the channel can deliver; not called for a duplicate. Must return quickly and must not
    ///     call back into the store.
    /// - Returns: The event as stored, and whether it was new.
    /// - Throws: When the store cannot be written; the event was then not stored or delivered.
    func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult
}

extension EventStore {
    /// Appends an event to a channel, unless the channel already holds its id.
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks the store to assign one.
    ///   - channel: The channel to append to.
    /// - Returns: The event as stored, and whether it was new.
    /// - Throws: When the store cannot be written; the event was then not stored.
    public func append(_ event: any ServerSentEvent, to channel: String) async throws -> AppendResult {
        try await append(event, to: channel) { _ in }
    }
}

/// What ``EventStore/append(_:to:)`` did with an event.
public enum AppendResult: Sendable, Hashable {
    /// The event was new and is now stored: deliver it.
    case stored(StoredEvent)
    /// The channel already held an event with this id: the stored one is returned, and nothing
    /// should be delivered again.
    case duplicate(StoredEvent)

    /// The event as the store holds it.
    public var event: StoredEvent {
        switch self {
        case .stored(let event), .duplicate(let event): event
        }
    }

    /// Whether the channel already held the event's id.
    public var isDuplicate: Bool {
        if case .duplicate = self { true } else { false }
    }
}
