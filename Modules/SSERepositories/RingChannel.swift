#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol

/// One channel's history in a ``RingRepository``: a FIFO of stored events with an id index.
struct RingChannel {
    /// Kept events in publish order from `head` on; slots before `head` are trimmed and are
    /// reclaimed once they are the larger part of the array.
    private var slots: [StoredEvent] = []
    private var head = 0
    /// The sequence of every kept event, by id.
    private var sequences: [String: Int] = [:]
    /// The sequence of the newest event ever appended; 0 before the first.
    private(set) var lastSequence = 0
    private var bytes = 0
    /// The id of the newest event retention removed, if it removed any.
    private var trimmedID: String?

    private var count: Int { slots.count - head }

    /// Appends an event unless its id is held; then trims to `retention`.
    mutating func append(_ event: any ServerSentEvent, at time: Date, retention: Retention) -> AppendResult {
        if !event.id.isEmpty, let sequence = sequences[event.id] {
            return .duplicate(slots[index(of: sequence)])
        }
        lastSequence += 1
        var id = event.id
        if id.isEmpty {
            while sequences[String(lastSequence)] != nil { lastSequence += 1 }
            id = String(lastSequence)
        }
        let stored = StoredEvent(id: id, event: event.event, data: event.data, sequence: lastSequence, time: time)
        slots.append(stored)
        sequences[id] = lastSequence
        bytes += stored.size
        trim(retention, now: time)
        return .stored(stored)
    }

    /// Removes the oldest events while any limit is exceeded, always keeping the newest.
    mutating func trim(_ retention: Retention, now: Date) {
        let expiry = retention.expiry(now: now)
        while count > 1 {
            let oldest = slots[head]
            let overCount = retention.maxEvents.map { count > $0 } ?? false
            let overBytes = retention.maxBytes.map { bytes > $0 } ?? false
            let expired = expiry.map { oldest.time < $0 } ?? false
            guard overCount || overBytes || expired else { break }
            head += 1
            bytes -= oldest.size
            sequences[oldest.id] = nil
            trimmedID = oldest.id
        }
        if head > 32, head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
    }

    /// The kept events strictly after `lastEventID`, with their coverage (see ``EventStore``).
    func replay(after lastEventID: String) -> (events: ArraySlice<StoredEvent>, coverage: ReplayCoverage) {
        let kept = slots[head...]
        if lastEventID.isEmpty {
            return (kept, trimmedID == nil ? .complete : .partial)
        }
        if let sequence = sequences[lastEventID] {
            return (slots[(index(of: sequence) + 1)...], .complete)
        }
        return (kept, lastEventID == trimmedID ? .complete : .reset)
    }

    /// The slot index of the kept event with `sequence`, by binary search.
    private func index(of sequence: Int) -> Int {
        var low = head
        var high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle].sequence < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
