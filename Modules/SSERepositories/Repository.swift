import SSEProtocol

/// A store of past events that a server replays to subscribers who resume with
/// `Last-Event-ID` (Go: `eventsource.Repository`).
///
/// Register one per channel on the server. Implementations must be safe to call from many
/// tasks at once, and must not block the caller while they read: do the work inside the
/// returned ``Replay``'s sequence.
public protocol Repository: Sendable {
    /// The events a subscriber of `channel` should receive before live events.
    ///
    /// - Parameters:
    ///   - channel: The channel being subscribed to.
    ///   - lastEventID: The subscriber's `Last-Event-ID`; the empty string when the server
    ///     replays everything (Go's `ReplayAll`) for a subscriber that sent none.
    /// - Returns: The events to send, in order, and how well they cover what was missed.
    /// - Throws: When the store cannot be read; the server then sends no history.
    func replay(channel: String, lastEventID: String) async throws -> Replay
}

/// The history a ``Repository`` hands a resuming subscriber.
public struct Replay: Sendable {
    /// How well ``events`` cover what the subscriber missed.
    public var coverage: ReplayCoverage

    /// The events to send before live events, in order.
    public var events: AsyncThrowingStream<any ServerSentEvent, any Error>

    /// The newest store sequence the replay accounts for: every event of the channel up to it
    /// was either before the last event ID or is in ``events``. Set by an ``EventStore`` (see
    /// ``StoredEvent/sequence``), `nil` for repositories without sequences.
    public var lastSequence: Int?

    /// Creates a replay.
    ///
    /// - Parameters:
    ///   - coverage: How well the events cover what was missed.
    ///   - events: The events, in order.
    ///   - lastSequence: The newest store sequence the replay accounts for, if the repository
    ///     has sequences. Defaults to `nil`.
    public init(
        coverage: ReplayCoverage,
        events: AsyncThrowingStream<any ServerSentEvent, any Error>,
        lastSequence: Int? = nil
    ) {
        self.coverage = coverage
        self.events = events
        self.lastSequence = lastSequence
    }

    /// A replay of events already in memory.
    ///
    /// - Parameters:
    ///   - coverage: How well the events cover what was missed. Defaults to `ReplayCoverage.complete`.
    ///   - events: The events, in order.
    ///   - lastSequence: The newest store sequence the replay accounts for, if any. Defaults to `nil`.
    /// - Returns: A replay that yields `events`.
    public static func of(
        _ events: [any ServerSentEvent],
        coverage: ReplayCoverage = .complete,
        lastSequence: Int? = nil
    ) -> Replay {
        let (stream, continuation) = AsyncThrowingStream<any ServerSentEvent, any Error>.makeStream()
        for event in events { continuation.yield(event) }
        continuation.finish()
        return Replay(coverage: coverage, events: stream, lastSequence: lastSequence)
    }
}
