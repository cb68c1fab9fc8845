import SSEProtocol

/// A queue between the stream's reader and the consumers of its events, bounded in items and in
/// bytes.
///
/// Both ends move items in batches, one lock per batch:
/// - The reader hands over a network chunk's events with ``send(contentsOf:)``. A batch that fits
///   joins the queue whole, without being copied (see ``EventBatchQueue``). The reader suspends
///   while the queue is full, so a slow consumer slows the reader down instead of growing memory.
/// - An ``EventBufferReader`` takes the oldest batch, or as much of it as stays within half the
///   bounds, with ``take(into:reader:isolation:)``, and hands the items out one by one without
///   locking or suspending. The items a reader holds still count against both bounds until it
///   asks for more, and the rest stays free for the reader of the network to refill meanwhile.
///
/// An item larger than the byte budget on its own still goes into an empty queue (or it could
/// never be delivered), so the buffer holds at most the budget or one item.
/// ``waitUntilConsumed()`` lets the reader report an error only once every consumer has finished
/// with every event before it: taken it, and asked for the next one.
///
/// ``send(contentsOf:)`` only queues; the reader calls ``flush()`` before it suspends (to read
/// the network, or to wait for room), so a waiting consumer wakes once per network chunk rather
/// than once per event.
final class EventBuffer: Sendable {
    private struct State {
        var queue = EventBatchQueue()
        /// What each reader took and has not finished with: it counts against the bounds.
        var held: [Int: (count: Int, bytes: Int)] = [:]
        var heldCount = 0
        var heldBytes = 0
        var finished = false
        var waiters: [(id: Int, condition: Condition, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0

        var count: Int { queue.count }
        var queuedBytes: Int { queue.bytes }
        var isConsumed: Bool { count == 0 && heldCount == 0 }

        /// Whether one more item of `bytes` fits once `pending` items of `pendingBytes` are queued.
        func hasRoom(for bytes: Int, after pending: Int = 0, pendingBytes: Int = 0, capacity: Int, byteLimit: Int) -> Bool {
            let total = count + heldCount + pending
            return total == 0 || (total < capacity && queuedBytes + heldBytes + pendingBytes + bytes <= byteLimit)
        }

        /// Whether every item of `batch` fits at once.
        func hasRoom(forAllOf batch: EventBatch, capacity: Int, byteLimit: Int) -> Bool {
            count + heldCount + batch.count <= capacity && queuedBytes + heldBytes + batch.bytes <= byteLimit
        }

        mutating func makeID() -> Int {
            nextID += 1
            return nextID
        }

        /// The reader finished with what it took.
        mutating func release(reader: Int) {
            guard let (count, bytes) = held.removeValue(forKey: reader) else { return }
            heldCount -= count
            heldBytes -= bytes
        }

        /// Moves the oldest queued items into `batch` for `reader`: the oldest batch the reader of
        /// the network handed over, or as much of it as stays within half of each bound, and at
        /// least one item.
        mutating func take(into batch: inout EventBatch, reader: Int, capacity: Int, byteLimit: Int) {
            let (taken, bytes) = queue.takeOldest(into: &batch, countLimit: max(capacity / 2, 1), byteLimit: byteLimit / 2)
            held[reader] = (taken, bytes)
            heldCount += taken
            heldBytes += bytes
        }

        /// Whether a waiter's condition holds now.
        func holds(_ condition: Condition, capacity: Int, byteLimit: Int) -> Bool {
            switch condition {
            case .items: count > 0
            case .room(let bytes): hasRoom(for: bytes, capacity: capacity, byteLimit: byteLimit)
            case .consumed: isConsumed
            }
        }

        /// Removes and returns the waiters whose condition `wakes` selects.
        mutating func takeWaiters(where wakes: (Condition) -> Bool) -> [CheckedContinuation<Void, Never>] {
            guard !waiters.isEmpty else { return [] }
            var woken: [CheckedContinuation<Void, Never>] = []
            waiters.removeAll { waiter in
                let wakes = wakes(waiter.condition)
                if wakes { woken.append(waiter.continuation) }
                return wakes
            }
            return woken
        }

        /// Removes and returns the waiting readers when items are queued.
        mutating func takeReadyConsumers() -> [CheckedContinuation<Void, Never>] {
            guard count > 0 else { return [] }
            return takeWaiters { if case .items = $0 { true } else { false } }
        }

        /// Removes and returns the waiting producers whose condition now holds. A producer waiting
        /// for room wakes only once the buffer has drained to half its capacity and half its byte
        /// budget (or is empty), so a full buffer refills in batches instead of one item per
        /// consumer step, each with a thread wake-up.
        mutating func takeReadyProducers(capacity: Int, byteLimit: Int) -> [CheckedContinuation<Void, Never>] {
            let total = count + heldCount
            let drained = total == 0 || (total <= capacity / 2 && queuedBytes + heldBytes <= byteLimit / 2)
            let consumed = isConsumed
            return takeWaiters { condition in
                switch condition {
                case .items: false
                case .room: drained
                case .consumed: consumed
                }
            }
        }

        /// Removes and returns every waiting producer.
        mutating func takeAllProducers() -> [CheckedContinuation<Void, Never>] {
            takeWaiters { if case .items = $0 { false } else { true } }
        }
    }

    private enum TakeStep {
        case took
        case ended
        case wait
    }

    private let capacity: Int
    private let byteLimit: Int
    private let state = LockedState(State())

    /// Creates an empty buffer.
    ///
    /// - Parameters:
    ///   - capacity: The most items queued or held by readers at once.
    ///   - byteLimit: The most bytes queued or held by readers at once, unless one item alone is
    ///     larger.
    init(capacity: Int, byteLimit: Int = .max) {
        self.capacity = max(capacity, 1)
        self.byteLimit = max(byteLimit, 0)
    }

    /// How many items are queued and held by readers now, and their bytes.
    var occupancy: (queued: Int, held: Int, bytes: Int) {
        state.withLock { ($0.count, $0.heldCount, $0.queuedBytes + $0.heldBytes) }
    }

    /// Queues a batch's items in order, waiting whenever the buffer is full: one lock for as many
    /// items as fit, rather than one per item.
    ///
    /// - Parameter batch: The items. When every item was queued, the batch is left empty (with
    ///   storage to reuse); otherwise it is left as it was.
    /// - Returns: How many items were queued: all of them, or fewer when the buffer was finished
    ///   or the task cancelled (the rest were dropped).
    func send(contentsOf batch: inout EventBatch) async -> Int {
        var sent = 0
        while sent < batch.count {
            let (queued, dropped) = state.withLock { state -> (Int, Bool) in
                if state.finished || Task.isCancelled { return (0, true) }
                if sent == 0, state.hasRoom(forAllOf: batch, capacity: capacity, byteLimit: byteLimit) {
                    // The whole batch fits: it joins the queue without being copied.
                    let queued = batch.count
                    state.queue.append(&batch)
                    return (queued, false)
                }
                var end = sent
                var bytes = 0
                while end < batch.count,
                    state.hasRoom(
                        for: batch.size(at: end), after: end - sent, pendingBytes: bytes, capacity: capacity, byteLimit: byteLimit
                    )
                {
                    bytes += batch.size(at: end)
                    end += 1
                }
                state.queue.append(batch, range: sent..<end)
                return (end - sent, false)
            }
            if dropped { return sent }
            sent += queued
            if sent < batch.count {
                flush()
                await wait(for: .room(batch.size(at: sent)))
            }
        }
        batch.removeAll()
        return sent
    }

    /// Wakes the consumers waiting for items when items are queued. The reader calls this before
    /// it suspends; until then, queued items wait for a consumer that asks.
    func flush() {
        state.withLock { $0.takeReadyConsumers() }.forEach { $0.resume() }
    }

    /// Waits until nothing is queued and every reader has finished with what it took (asked for
    /// more, or went away), or the buffer is finished, or the task is cancelled.
    func waitUntilConsumed() async {
        while !Task.isCancelled {
            flush()
            let done = state.withLock { $0.finished || $0.isConsumed }
            if done { return }
            await wait(for: .consumed)
        }
    }

    /// A new reader's identity, for ``take(into:reader:isolation:)`` and
    /// ``leave(reader:returning:)``.
    func register() -> Int {
        state.withLock { $0.makeID() }
    }

    /// Ends the reader's previous batch, then moves the oldest queued items into `batch`, waiting
    /// for some. Queued items come at once, without suspending or leaving the caller's isolation.
    ///
    /// - Parameters:
    ///   - batch: An empty batch; filled with at least one item, oldest first.
    ///   - reader: The reader, from ``register()``.
    ///   - actor: The caller's isolation, where the call runs.
    /// - Returns: `false`, with `batch` still empty, once the buffer is finished and empty, or
    ///   when the task is cancelled while nothing is queued.
    func take(
        into batch: inout EventBatch,
        reader: Int,
        isolation actor: isolated (any Actor)? = #isolation
    ) async -> Bool {
        while true {
            let (step, producers) = state.withLock { state -> (TakeStep, [CheckedContinuation<Void, Never>]) in
                state.release(reader: reader)
                if state.count > 0 {
                    state.take(into: &batch, reader: reader, capacity: capacity, byteLimit: byteLimit)
                    return (.took, state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit))
                }
                if state.finished || Task.isCancelled { return (.ended, state.takeAllProducers()) }
                return (.wait, state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit))
            }
            producers.forEach { $0.resume() }
            switch step {
            case .took: return true
            case .ended: return false
            case .wait: await wait(for: .items, isolation: actor)
            }
        }
    }

    /// The reader went away: what it held no longer counts, and the items it took but did not
    /// hand out go back to the front of the queue for the next reader, unless the buffer is
    /// finished.
    ///
    /// - Parameters:
    ///   - reader: The reader, from ``register()``.
    ///   - leftovers: The reader's batch, with the items it did not hand out; left empty.
    func leave(reader: Int, returning leftovers: inout EventBatch) {
        let woken = state.withLock { state in
            state.release(reader: reader)
            if !leftovers.isEmpty && !state.finished {
                leftovers.dropHandedOut()
                state.queue.prepend(&leftovers)
            }
            leftovers.removeAll()
            return state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit) + state.takeReadyConsumers()
        }
        woken.forEach { $0.resume() }
    }

    /// Ends the buffer: waiting consumers get nothing more, waiting producers return, queued
    /// items are dropped.
    func finish() {
        let woken = state.withLock { state in
            state.finished = true
            state.queue.removeAll()
            return state.takeWaiters { _ in true }
        }
        woken.forEach { $0.resume() }
    }

    /// What a waiting task waits for.
    private enum Condition {
        /// A reader: queued items (woken when the reader of the network flushes).
        case items
        /// The reader of the network: room for an item of this many bytes.
        case room(Int)
        /// The reader of the network: every item consumed.
        case consumed
    }

    /// Suspends until the condition holds, the buffer finishes, or the task is cancelled; may
    /// return early, so callers check again.
    private func wait(for condition: Condition, isolation actor: isolated (any Actor)? = #isolation) async {
        let id = state.withLock { $0.makeID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.finished || Task.isCancelled || state.holds(condition, capacity: capacity, byteLimit: byteLimit) {
                        return true
                    }
                    state.waiters.append((id, condition, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume()
        }
    }
}
