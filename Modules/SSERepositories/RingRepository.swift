#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol

/// A bounded in-memory ``EventStore``: each channel keeps its newest events within a
/// ``Retention`` limit by count, bytes and age, and replays strictly after the last event ID, in
/// publish order.
///
/// Appends and replays take a lock for as long as it takes to copy the events concerned; a
/// replay is a snapshot, so events appended while a subscriber reads it are not in it.
/// Age is applied whenever a channel is appended to or replayed. History does not survive the
/// process: use `SQLiteRepository` (product `SSESQLite`) for that.
///
/// ```swift
/// let store = RingRepository(retention: Retention(maxEvents: 1_000, maxAge: .seconds(3_600)))
/// let result = try await store.append(MessageEvent(data: "hello"), to: "news")
/// print(result.event.id) // "1"
/// ```
public final class RingRepository: EventStore {
    private let retention: Retention
    private let now: @Sendable () -> Date
    private let channels = LockedState<[String: RingChannel]>([:])

    /// Creates an empty store.
    ///
    /// - Parameters:
    ///   - retention: What each channel keeps. Must limit ``Retention/maxEvents`` or
    ///     ``Retention/maxBytes``. Defaults to the newest 1,000 events.
    ///   - now: The clock that stamps appended events and ages them; defaults to the system time.
    public init(retention: Retention = Retention(maxEvents: 1_000), now: @escaping @Sendable () -> Date = { Date() }) {
        precondition(retention.isBounded, "A RingRepository needs maxEvents or maxBytes")
        self.retention = retention
        self.now = now
    }

    /// Appends an event to a channel unless the channel holds its id, assigning an id when it
    /// has none; then removes what the retention no longer allows.
    ///
    /// - Parameters:
    ///   - event: The event; an empty id asks for one (the decimal sequence number).
    ///   - channel: The channel.
    ///   - deliver: Called with a new event under the store's lock, so in sequence order.
    /// - Returns: The event as stored, and whether it was already there.
    public func append(
        _ event: any ServerSentEvent,
        to channel: String,
        deliver: @Sendable (StoredEvent) -> Void
    ) async throws -> AppendResult {
        let time = now()
        return channels.withLock { channels in
            let result = channels[channel, default: RingChannel()].append(event, at: time, retention: retention)
            if case .stored(let stored) = result { deliver(stored) }
            return result
        }
    }

    /// The kept events strictly after `lastEventID`, in publish order.
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - lastEventID: The subscriber's last event ID; empty to replay everything kept.
    /// - Returns: ``StoredEvent`` values and their coverage, as ``EventStore`` describes.
    public func replay(channel: String, lastEventID: String) async throws -> Replay {
        let time = now()
        let (events, coverage, lastSequence) = channels.withLock { channels in
            guard channels[channel] != nil else {
                return ([StoredEvent](), lastEventID.isEmpty ? ReplayCoverage.complete : .reset, 0)
            }
            channels[channel]!.trim(retention, now: time)
            let (events, coverage) = channels[channel]!.replay(after: lastEventID)
            return (Array(events), coverage, channels[channel]!.lastSequence)
        }
        return .of(events, coverage: coverage, lastSequence: lastSequence)
    }
}
