#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SSEProtocol

/// Received events as bytes, in order: what the reader hands to an ``EventBuffer`` in one step,
/// and what an ``EventBufferReader`` turns into ``MessageEvent``s one at a time.
///
/// The reader of the network only copies each event's fields into ``payload``; the strings are
/// built by the consumer, on the thread that will also free them. That splits the work between
/// the two tasks, and keeps each string's allocation and release on one thread, where the
/// allocator is cheapest. The buffer queues a whole batch by moving its storage when it fits,
/// and a consumer takes it the same way, so handing over a network chunk's events copies nothing.
struct EventBatch: Sendable {
    /// One event, as ranges of ``payload``: its id, type and data, then its last event ID unless
    /// that is its id.
    struct Entry: Sendable {
        /// Where the event's bytes start in ``payload``.
        var start: Int
        var idCount: Int32
        var typeCount: Int32
        var dataCount: Int
        /// The bytes of the last event ID after the data; `-1` when it is the event's id.
        var lastEventIDCount: Int32
        var retry: Duration?

        /// What the event counts against the byte budget: its id, type and data.
        var size: Int { Int(idCount) &+ Int(typeCount) &+ dataCount }
        /// Where the event's bytes end in ``payload``.
        var end: Int { start &+ size &+ max(Int(lastEventIDCount), 0) }
    }

    /// The events, oldest first.
    private(set) var entries: [Entry] = []
    /// How many events at the front ``removeFirst(strings:)`` handed out; they stay in
    /// ``entries`` until the batch is emptied.
    private var handedOut = 0
    /// The events' bytes.
    private(set) var payload = PayloadBytes()
    /// What the events count against the byte budget, in total (those handed out included,
    /// until the batch is emptied).
    private(set) var bytes = 0

    /// How many events the batch holds.
    var count: Int { entries.count &- handedOut }

    /// Whether the batch holds no event.
    var isEmpty: Bool { count == 0 }

    /// The memory the batch's storage takes, in use or not: its bytes and its entries.
    var storageBytes: Int { payload.capacity &+ entries.capacity &* MemoryLayout<Entry>.stride }

    /// Adds an event at the end, copying its bytes.
    mutating func append(_ event: EventView) {
        let start: Int
        var lastEventIDCount: Int32 = -1
        if event.lastEventID.hasSameBytes(as: event.id) {
            start = payload.append(event.id, event.event, event.data)
        } else {
            start = payload.append(event.id, event.event, event.data, event.lastEventID)
            lastEventIDCount = Int32(event.lastEventID.count)
        }
        let entry = Entry(
            start: start, idCount: Int32(event.id.count), typeCount: Int32(event.event.count), dataCount: event.data.count,
            lastEventIDCount: lastEventIDCount, retry: event.retry
        )
        entries.append(entry)
        bytes &+= entry.size
    }

    /// What the event at `index` counts against the byte budget.
    func size(at index: Int) -> Int {
        entries[index].size
    }

    /// Adds copies of the events of `other` in `range` at the end.
    mutating func append(_ other: EventBatch, range: Range<Int>) {
        guard let first = range.first, let last = range.last else { return }
        let start = other.entries[first].start
        let shift = payload.count &- start
        payload.append(other.payload, range: start..<other.entries[last].end)
        for var entry in other.entries[range] {
            entry.start &+= shift
            entries.append(entry)
            bytes &+= entry.size
        }
    }

    /// Removes the first `k` events, moving the rest and their bytes to the front.
    mutating func removeFirst(_ k: Int) {
        precondition(handedOut == 0, "removing events from a batch being handed out")
        guard k < entries.count else { return removeAll() }
        let start = entries[k].start
        for index in 0..<k { bytes &-= entries[index].size }
        entries.removeFirst(k)
        payload.removeFirst(start)
        for index in entries.indices { entries[index].start &-= start }
    }

    /// Drops the events ``removeFirst(strings:)`` handed out, so that the batch holds only the
    /// others, in order.
    mutating func dropHandedOut() {
        let count = handedOut
        handedOut = 0
        removeFirst(count)
    }

    /// Removes the first event and builds it. The event's bytes stay until the batch is empty.
    ///
    /// - Parameter strings: The reader's cache of the event type and last event ID it built
    ///   last, which consecutive events usually share.
    /// - Returns: The event, or `nil` when the batch is empty.
    mutating func removeFirst(strings: inout RecentStrings) -> MessageEvent? {
        guard handedOut < entries.count else { return nil }
        let entry = entries[handedOut]
        handedOut &+= 1
        let event = payload.withUnsafeBytes { payload in
            // An event whose fields are all empty may have no bytes to point at.
            func field(from start: Int, count: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(start: count == 0 ? nil : payload.baseAddress.map { $0 + start }, count: count)
            }
            let id = field(from: entry.start, count: Int(entry.idCount))
            let type = field(from: entry.start &+ id.count, count: Int(entry.typeCount))
            let data = field(from: entry.start &+ id.count &+ type.count, count: entry.dataCount)
            let idString = String(decoding: id, as: UTF8.self)
            let lastEventID = entry.lastEventIDCount < 0
                ? idString
                : strings.lastEventID(field(from: entry.start &+ entry.size, count: Int(entry.lastEventIDCount)))
            return MessageEvent(
                id: idString, event: strings.type(type), data: String(decoding: data, as: UTF8.self),
                lastEventID: lastEventID, retry: entry.retry
            )
        }
        if handedOut == entries.count { removeAll() }
        return event
    }

    /// The last event ID of the event at `index`: what a reconnection after it would send.
    func lastEventID(at index: Int) -> String {
        let entry = entries[index]
        let start = entry.lastEventIDCount < 0 ? entry.start : entry.start &+ entry.size
        let count = entry.lastEventIDCount < 0 ? Int(entry.idCount) : Int(entry.lastEventIDCount)
        return payload.withUnsafeBytes { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start &+ count)]), as: UTF8.self) }
    }

    /// Removes every event, keeping the storage for the next batch.
    mutating func removeAll() {
        handedOut = 0
        entries.removeAll(keepingCapacity: true)
        payload.removeAll()
        bytes = 0
    }
}

/// The event type and last event ID an ``EventBufferReader`` built last: consecutive events
/// usually repeat them, and then share one string instead of building another.
struct RecentStrings {
    private var typeBytes: [UInt8] = []
    private var typeString = ""
    private var lastEventIDBytes: [UInt8] = []
    private var lastEventIDString = ""

    /// The string of an event type's bytes.
    mutating func type(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if !typeBytes.withUnsafeBufferPointer(bytes.hasSameBytes) {
            typeBytes = Array(bytes)
            typeString = String(decoding: bytes, as: UTF8.self)
        }
        return typeString
    }

    /// The string of a last event ID's bytes.
    mutating func lastEventID(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if !lastEventIDBytes.withUnsafeBufferPointer(bytes.hasSameBytes) {
            lastEventIDBytes = Array(bytes)
            lastEventIDString = String(decoding: bytes, as: UTF8.self)
        }
        return lastEventIDString
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether `other` holds the same bytes. The same address answers at once (an event's id
    /// and last event ID usually are one range of the decoder's buffer); short runs, such as event
    /// types, are compared in place; longer ones with one `memcmp`.
    func hasSameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == other.count else { return false }
        guard count > 0, let base = baseAddress, let otherBase = other.baseAddress, base != otherBase else { return true }
        guard count <= 16 else { return memcmp(base, otherBase, count) == 0 }
        for index in 0..<count where base[index] != otherBase[index] { return false }
        return true
    }
}
