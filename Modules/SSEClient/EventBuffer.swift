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
        var producers: [(id: Int, condition: Condition, continuation: CheckedContinuation<Void, Never>)] = []
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

        /// Removes and returns the waiting producers whose condition now holds. A producer waiting
        /// for room wakes only once the queue has drained to half its capacity and half its byte
        /// budget (or is empty), so a full queue refills in batches instead of one item per
        /// consumer step, each with a thread wake-up.
        mutating func takeReadyProducers(capacity: Int, byteLimit: Int) -> [CheckedContinuation<Void, Never>] {
            guard !producers.isEmpty else { return [] }
            let drained = count == 0 || (count <= capacity / 2 && queuedBytes <= byteLimit / 2)
            let consumed = isConsumed
            var ready: [CheckedContinuation<Void, Never>] = []
            producers.removeAll { producer in
                let holds = switch producer.condition {
                case .room: drained
                case .consumed: consumed
                }
                if holds { ready.append(producer.continuation) }
                return holds
            }
            return ready
        }

        mutating func takeAllProducers() -> [CheckedContinuation<Void, Never>] {
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

    /// Queues items in order, waiting whenever the queue is full: one lock for as many items as
    /// fit, rather than one per item.
    ///
    /// - Parameter items: The items, each with what it counts against the byte budget.
    /// - Returns: How many items were queued: all of them, or fewer when the buffer was finished
    ///   or the task cancelled (the rest were dropped).
    func send(contentsOf items: [(item: Element, bytes: Int)]) async -> Int {
        var sent = 0
        while sent < items.count {
            let (queued, dropped) = state.withLock { state -> (Int, Bool) in
                if state.finished || Task.isCancelled { return (0, true) }
                var queued = 0
                for (item, bytes) in items[sent...] {
                    guard state.hasRoom(for: bytes, capacity: capacity, byteLimit: byteLimit) else { break }
                    state.items.append((item, bytes))
                    state.queuedBytes += bytes
                    queued += 1
                }
                return (queued, false)
            }
            if dropped { return sent }
            sent += queued
            if sent < items.count {
                flush()
                await waitFor(.room(items[sent].bytes))
            }
        }
        return sent
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
                return (.some(item), state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit))
            }
            if state.finished || Task.isCancelled { return (.some(nil), state.takeAllProducers()) }
            return (nil, state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit))
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
                        return (.some(item), state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit))
                    }
                    if state.finished || Task.isCancelled { return (.some(nil), state.takeAllProducers()) }
                    state.consumers.append((id, continuation))
                    return (nil, state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit))
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
            return state.takeReadyProducers(capacity: capacity, byteLimit: byteLimit)
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
            return (state.consumers.map(\.continuation), state.takeAllProducers())
        }
        consumers.forEach { $0.resume(returning: nil) }
        producers.forEach { $0.resume() }
    }

    /// What a waiting producer waits for.
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
                    state.producers.append((id, condition, continuation))
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
