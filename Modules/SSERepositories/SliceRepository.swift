import SSEProtocol

/// An in-memory repository that keeps every event forever, with the exact semantics of Go's
/// `eventsource.SliceRepository` (kept for parity; prefer a bounded or durable store).
///
/// Its quirks, inherited on purpose:
/// - Events are kept sorted by id compared as byte strings, not in publish order: `"10"`
///   sorts before `"9"`.
/// - Adding an event whose id is already present replaces the old one.
/// - ``replay(channel:lastEventID:)`` yields every event whose id is greater than **or equal
///   to** the last event ID, so the subscriber receives its last event again. Coverage is
///   always reported as `ReplayCoverage.complete`: this store cannot tell.
/// - Nothing is ever removed.
public final class SliceRepository: Repository {
    private let events = LockedState<[String: [any ServerSentEvent]]>([:])

    /// Creates an empty repository.
    public init() {}

    /// Adds an event to a channel's history, replacing any event with the same id.
    ///
    /// - Parameters:
    ///   - channel: The channel the event belongs to.
    ///   - event: The event.
    public func add(channel: String, _ event: any ServerSentEvent) {
        events.withLock { events in
            // Mutated in place: copying the list out and back would copy it on every add.
            events[channel, default: []].insertOrReplace(event)
        }
    }

    /// The channel's events whose id is at or after `lastEventID` in byte order.
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - lastEventID: The subscriber's last event ID; the empty string replays everything.
    /// - Returns: A `ReplayCoverage.complete` replay of the matching events in id order.
    public func replay(channel: String, lastEventID: String) async throws -> Replay {
        let matching = events.withLock { events -> [any ServerSentEvent] in
            let list = events[channel] ?? []
            return Array(list[list.insertionIndex(of: lastEventID)...])
        }
        return .of(matching)
    }
}

extension [any ServerSentEvent] {
    /// Inserts `event` at its place in id order, replacing an event with the same id.
    fileprivate mutating func insertOrReplace(_ event: any ServerSentEvent) {
        let index = insertionIndex(of: event.id)
        if index < count, self[index].id == event.id {
            self[index] = event
        } else {
            insert(event, at: index)
        }
    }

    /// The first index whose id is not less than `id` in byte order (Go's `sort.Search`).
    fileprivate func insertionIndex(of id: String) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].id.utf8.lexicographicallyPrecedes(id.utf8) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
