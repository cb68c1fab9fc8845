import SSEProtocol

/// A queue between the stream's reader and the consumer of its events, bounded in items and in
/// bytes.
///
/// The reader suspends in ``send(_:bytes:)`` while the queue is full, so a slow consumer slows
/// the reader down instead of growing memory. An item larger than the byte budget on its own
/// still goes into an empty queue (or it could never be delivered), so the queue holds at most
/// the budget or one item. ``waitUntilConsumed()`` lets the reader report an error only once the
/// consumer has finished with every event before it.
///
/// Items reach a waiting consumer in batches: ``send(_:bytes:)`` only queues, and the reader calls
/// ``flush()`` before it suspends (to read the network, or to wait for room), so a consumer wakes
/// once per network chunk rather than once per event, and ``next(isolation:)`` returns the rest
/// without suspending.
final class EventBuffer<Element: Sendable>: Sendable {
    private struct State {
        var items: [(item: Element, bytes: Int)] = []
        var head = 0
        var queuedBytes = 0
        var finished = false
        /// The consumer took an item and has not asked for the next one yet.
        var consumerBusy = false
        var consumers: [(id: Int, continuation: CheckedContinuation<Element?, Never>)] = []
        var producers: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0

        var count: Int { items.count - head }
        var isConsumed: Bool { count == 0 && !consumerBusy }

        func hasRoom(for bytes: Int, capacity: Int, byteLimit: Int) -> Bool {
            count == 0 || (count < capacity && queuedBytes + bytes <= byteLimit)
        }

        mutating func popFirst() -> Element? {
            guard head < items.count else { return nil }
            let (item, bytes) = items[head]
            queuedBytes -= bytes
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            return item
        }

        mutating func takeProducers() -> [CheckedContinuation<Void, Never>] {
            defer { producers.removeAll() }
            return producers.map(\.continuation)
        }
    }

    private enum SendStep {
        case queued
        case dropped
        case wait
    }

    private let capacity: Int
    private let byteLimit: Int
    private let state = LockedState(State())

    /// Creates an empty buffer.
    ///
    /// - Parameters:
    ///   - capacity: The most items queued at once.
    ///   - byteLimit: The most bytes queued at once, unless one item alone is larger.
    init(capacity: Int, byteLimit: Int = .max) {
        self.capacity = max(capacity, 1)
        self.byteLimit = max(byteLimit, 0)
    }

    /// The bytes of the items queued now (not those handed to a waiting consumer).
    var queuedBytes: Int {
        state.withLock { $0.queuedBytes }
    }

    /// Queues an item, waiting while the queue is full.
    ///
    /// - Parameters:
    ///   - item: The item.
    ///   - bytes: What the item counts against the byte budget.
    /// - Returns: `false` when the buffer was finished or the task cancelled; the item was dropped.
    func send(_ item: Element, bytes: Int) async -> Bool {
        while true {
            let step: SendStep = state.withLock { state in
                if state.finished || Task.isCancelled { return .dropped }
                guard state.hasRoom(for: bytes, capacity: capacity, byteLimit: byteLimit) else { return .wait }
                state.items.append((item, bytes))
                state.queuedBytes += bytes
                return .queued
            }
            switch step {
            case .queued:
                return true
            case .dropped:
                return false
            case .wait:
                flush()
                await waitFor(.room(bytes))
            }
        }
    }

    /// Hands queued items to the consumers waiting for them. The reader calls this before it
    /// suspends; until then, queued items wait for a consumer that asks.
    func flush() {
        let handed = state.withLock { state -> [(consumer: CheckedContinuation<Element?, Never>, item: Element)] in
            var handed: [(consumer: CheckedContinuation<Element?, Never>, item: Element)] = []
            while !state.consumers.isEmpty, let item = state.popFirst() {
                state.consumerBusy = true
                handed.append((state.consumers.removeFirst().continuation, item))
            }
            return handed
        }
        for (consumer, item) in handed { consumer.resume(returning: item) }
    }

    /// Waits until the queue is empty and the consumer has asked for the next item (or went
    /// away), or the buffer is finished, or the task is cancelled.
    func waitUntilConsumed() async {
        while !Task.isCancelled {
            flush()
            let done = state.withLock { $0.finished || $0.isConsumed }
            if done { return }
            await waitFor(.consumed)
        }
    }

    /// Returns the next item, waiting for one; `nil` once finished and empty, or when the task
    /// is cancelled. A queued item comes back at once, without suspending or leaving the
    /// caller's isolation.
    ///
    /// - Parameter actor: The caller's isolation, where the call runs.
    func next(isolation actor: isolated (any Actor)? = #isolation) async -> Element? {
        let (ready, producers) = state.withLock { state -> (Element??, [CheckedContinuation<Void, Never>]) in
            state.consumerBusy = false
            if let item = state.popFirst() {
                state.consumerBusy = true
                return (.some(item), state.takeProducers())
            }
            if state.finished || Task.isCancelled { return (.some(nil), state.takeProducers()) }
            return (nil, state.takeProducers())
        }
        producers.forEach { $0.resume() }
        if let ready { return ready }
        return await waitForNext(isolation: actor)
    }

    /// Suspends until an item is handed over, the buffer finishes, or the task is cancelled.
    private func waitForNext(isolation actor: isolated (any Actor)?) async -> Element? {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let (result, producers) = state.withLock { state -> (Element??, [CheckedContinuation<Void, Never>]) in
                    state.consumerBusy = false
                    if let item = state.popFirst() {
                        state.consumerBusy = true
                        return (.some(item), state.takeProducers())
                    }
                    if state.finished || Task.isCancelled { return (.some(nil), state.takeProducers()) }
                    state.consumers.append((id, continuation))
                    return (nil, state.takeProducers())
                }
                producers.forEach { $0.resume() }
                if let result { continuation.resume(returning: result) }
            }
        } onCancel: {
            let consumer = state.withLock { state in
                state.consumers.firstIndex { $0.id == id }.map { state.consumers.remove(at: $0).continuation }
            }
            consumer?.resume(returning: nil)
        }
    }

    /// The consumer went away without asking for another item.
    func consumerDidLeave() {
        let producers = state.withLock { state in
            state.consumerBusy = false
            return state.takeProducers()
        }
        producers.forEach { $0.resume() }
    }

    /// Ends the buffer: waiting consumers get `nil`, waiting producers return, queued items
    /// are dropped.
    func finish() {
        let (consumers, producers) = state.withLock { state in
            state.finished = true
            state.items.removeAll()
            state.head = 0
            state.queuedBytes = 0
            defer { state.consumers.removeAll() }
            return (state.consumers.map(\.continuation), state.takeProducers())
        }
        consumers.forEach { $0.resume(returning: nil) }
        producers.forEach { $0.resume() }
    }

    private enum Condition { case room(Int), consumed }

    /// Suspends until the condition holds, the buffer finishes, or the task is cancelled; may
    /// return early, so callers check again.
    private func waitFor(_ condition: Condition) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    let holds = switch condition {
                    case .room(let bytes): state.hasRoom(for: bytes, capacity: capacity, byteLimit: byteLimit)
                    case .consumed: state.isConsumed
                    }
                    if state.finished || Task.isCancelled || holds { return true }
                    state.producers.append((id, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let producer = state.withLock { state in
                state.producers.firstIndex { $0.id == id }.map { state.producers.remove(at: $0).continuation }
            }
            producer?.resume()
        }
    }
}
