import NIOCore
import SSEProtocol
import SSERepositories

/// One append as a batch carries it.
struct AppendRequest: Sendable {
    /// The channel.
    let channel: String
    /// The publisher's id; empty asks for the sequence.
    let id: String
    /// The event type.
    let type: String
    /// The data as stored.
    let data: ByteBuffer
    /// The data as given, returned in the result without decoding the stored bytes again.
    let text: String
    /// The bytes of id, type and data, which retention and ``PostgresEventStore/Configuration/maxBatchBytes`` count.
    let size: Int
    /// Whether the data may travel in a `NOTIFY` payload (it has no NUL).
    let inline: Bool
}

/// Groups the appends that arrive while an append transaction is in flight into the next one,
/// so that one commit (one `fsync`) covers them all.
///
/// ``run()`` (part of ``PostgresEventStore/run()``) sends one batch at a time. A batch takes the
/// oldest waiting appends, at most `maxEvents` of them and at most `maxBytes` bytes (an event
/// larger than that goes alone), and `send` answers every request of the batch. At most
/// `maxQueued` appends wait for a batch; later callers wait for room, before their event is
/// copied, in arrival order. Woken from idle by an append, it yields once before it takes a
/// batch, so the appends made ready at the same moment (publishers woken by one tick) share one
/// commit instead of waiting for the next; that costs microseconds, not a timer.
///
/// Cancelling a caller whose event still waits removes it (nothing is stored; the call throws
/// `CancellationError`). Once its batch is sent, cancelling changes nothing: the caller gets the
/// batch's answer for its event, so no stored event goes unreported or is stored twice.
///
/// Each caller's `deliver` runs on ``run()``'s task for a newly stored event, before its caller
/// resumes: batches go one at a time and their results come in commit order, so this node's new
/// events are delivered one at a time in sequence order per channel.
final class AppendBatcher: Sendable {
    /// Sends one batch and answers each of its requests, in order.
    typealias Send = @Sendable ([AppendRequest]) async -> [Result<AppendResult, any Error>]

    /// What the batcher holds and has done, for tests that wait for a state.
    struct Statistics: Sendable, Equatable {
        /// Appends waiting for a batch.
        var queued = 0
        /// Callers waiting for room in the queue.
        var waitingForRoom = 0
        /// Batches sent so far.
        var batches = 0
        /// Appends sent in those batches.
        var sent = 0
    }

    private struct Entry {
        let ticket: Int
        let request: AppendRequest
        let deliver: @Sendable (StoredEvent) -> Void
        let continuation: CheckedContinuation<AppendResult, any Error>
    }

    private struct State {
        var queue: [Entry] = []
        /// Room left in the queue; a caller takes one unit before it enqueues.
        var room: Int
        var roomWaiters: [(ticket: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        /// ``run()`` waiting for an append.
        var worker: CheckedContinuation<Void, Never>?
        /// Whether ``finish()`` was called or ``run()`` was cancelled: later appends are refused.
        var closed = false
        var nextTicket = 0
        var statistics = Statistics()
        var observers: [(condition: @Sendable (Statistics) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

        /// Gives one unit of room back: to the first waiting caller, or to the queue.
        mutating func releaseRoom() -> CheckedContinuation<Void, any Error>? {
            guard !roomWaiters.isEmpty else {
                room += 1
                return nil
            }
            statistics.waitingForRoom -= 1
            return roomWaiters.removeFirst().continuation
        }

        /// The observers whose condition now holds, removed.
        mutating func satisfiedObservers() -> [CheckedContinuation<Void, Never>] {
            guard !observers.isEmpty else { return [] }
            let statistics = statistics
            let ready = observers.filter { $0.condition(statistics) }.map(\.continuation)
            observers.removeAll { $0.condition(statistics) }
            return ready
        }
    }

    /// What became of an append offered to the queue, and whom to wake.
    private enum Enqueued {
        case refused(any Error, room: CheckedContinuation<Void, any Error>?)
        case queued(worker: CheckedContinuation<Void, Never>?, observers: [CheckedContinuation<Void, Never>])
    }

    private let maxEvents: Int
    private let maxBytes: Int
    private let send: Send
    private let state: LockedState<State>

    /// Creates a batcher.
    ///
    /// - Parameters:
    ///   - maxEvents: The most events per batch.
    ///   - maxBytes: The most bytes per batch (one larger event goes alone).
    ///   - maxQueued: The most appends waiting for a batch.
    ///   - send: Sends one batch.
    init(maxEvents: Int, maxBytes: Int, maxQueued: Int, send: @escaping Send) {
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.send = send
        self.state = LockedState(State(room: maxQueued))
    }

    /// Appends through the next batch.
    ///
    /// - Parameters:
    ///   - makeRequest: Builds the request once there is room for it.
    ///   - deliver: Called with the event once it is newly stored, before this call returns.
    /// - Returns: The batch's answer for this event.
    /// - Throws: `CancellationError` when cancelled before the event was sent, or the batch's
    ///   error for this event.
    func append(_ makeRequest: () -> AppendRequest, deliver: @escaping @Sendable (StoredEvent) -> Void) async throws -> AppendResult {
        // Room is handed to waiting callers first, so there is room only when nobody waits: take
        // it with the ticket, and suspend only when the queue is full.
        let (ticket, tookRoom) = state.withLock { state in
            defer { state.nextTicket += 1 }
            guard state.room > 0 else { return (state.nextTicket, false) }
            state.room -= 1
            return (state.nextTicket, true)
        }
        if !tookRoom { try await waitForRoom(ticket) }
        let request = makeRequest()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome = state.withLock { state -> Enqueued in
                    // Checked under the lock: a cancellation after this finds the entry queued.
                    if Task.isCancelled { return .refused(CancellationError(), room: state.releaseRoom()) }
                    if state.closed { return .refused(PostgresStoreError.closed, room: state.releaseRoom()) }
                    state.queue.append(Entry(ticket: ticket, request: request, deliver: deliver, continuation: continuation))
                    state.statistics.queued += 1
                    defer { state.worker = nil }
                    return .queued(worker: state.worker, observers: state.satisfiedObservers())
                }
                switch outcome {
                case .refused(let error, let room):
                    room?.resume()
                    continuation.resume(throwing: error)
                case .queued(let worker, let observers):
                    worker?.resume()
                    for observer in observers { observer.resume() }
                }
            }
        } onCancel: {
            // Only the continuation leaves the lock: the entry's `deliver` must not outlive the caller's call.
            let (removed, room, observers) = state.withLock {
                state -> (CheckedContinuation<AppendResult, any Error>?, CheckedContinuation<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                guard let index = state.queue.firstIndex(where: { $0.ticket == ticket }) else { return (nil, nil, []) }
                state.statistics.queued -= 1
                return (state.queue.remove(at: index).continuation, state.releaseRoom(), state.satisfiedObservers())
            }
            room?.resume()
            for observer in observers { observer.resume() }
            removed?.resume(throwing: CancellationError())
        }
    }

    /// Returns once the queue has room for this caller's event.
    private func waitForRoom(_ ticket: Int) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (outcome, observers) = state.withLock { state -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if state.room > 0 {
                        state.room -= 1
                        return (.success(()), [])
                    }
                    state.roomWaiters.append((ticket, continuation))
                    state.statistics.waitingForRoom += 1
                    return (nil, state.satisfiedObservers())
                }
                for observer in observers { observer.resume() }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let (waiter, observers) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                guard let index = state.roomWaiters.firstIndex(where: { $0.ticket == ticket }) else { return (nil, []) }
                state.statistics.waitingForRoom -= 1
                return (state.roomWaiters.remove(at: index).continuation, state.satisfiedObservers())
            }
            for observer in observers { observer.resume() }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Sends batches, one at a time, until ``finish()`` or cancellation; then sends what is
    /// still queued (which fails at once if the connection pool has stopped) and returns, so
    /// that every caller gets an answer.
    func run() async {
        while let batch = await nextBatch() {
            let results = await send(batch.map(\.request))
            for (continuation, result) in Self.deliverNewEvents(of: consume batch, results: results) {
                continuation.resume(with: result)
            }
        }
    }

    /// Calls `deliver` for each newly stored event of `batch`, in order, and drops the batch, so
    /// that no caller's `deliver` (which may be borrowed for the call only) outlives the
    /// resumption of its caller.
    ///
    /// - Returns: Each caller's continuation and result, in order.
    private static func deliverNewEvents(
        of batch: consuming [Entry],
        results: [Result<AppendResult, any Error>]
    ) -> [(CheckedContinuation<AppendResult, any Error>, Result<AppendResult, any Error>)] {
        var answers: [(CheckedContinuation<AppendResult, any Error>, Result<AppendResult, any Error>)] = []
        answers.reserveCapacity(results.count)
        for (entry, result) in zip(batch, results) {
            if case .success(.stored(let stored)) = result { entry.deliver(stored) }
            answers.append((entry.continuation, result))
        }
        return answers
    }

    /// Refuses later appends with ``PostgresStoreError/closed``; ``run()`` returns once it has
    /// sent the queued ones.
    func finish() {
        let worker = state.withLock { state in
            state.closed = true
            defer { state.worker = nil }
            return state.worker
        }
        worker?.resume()
    }

    /// The oldest queued appends within the bounds, waiting for one; `nil` once closed and empty.
    private func nextBatch() async -> [Entry]? {
        while true {
            let (batch, closed, rooms, observers) = state.withLock { state in
                var count = 0
                var bytes = 0
                for entry in state.queue {
                    guard count < maxEvents, count == 0 || bytes + entry.request.size <= maxBytes else { break }
                    count += 1
                    bytes += entry.request.size
                }
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if count > 0 {
                    state.statistics.queued -= count
                    state.statistics.batches += 1
                    state.statistics.sent += count
                }
                let rooms = (0..<count).compactMap { _ in state.releaseRoom() }
                return (batch, state.closed, rooms, count > 0 ? state.satisfiedObservers() : [])
            }
            for room in rooms { room.resume() }
            for observer in observers { observer.resume() }
            if !batch.isEmpty { return batch }
            if closed { return nil }
            await waitForWork()
            // Woken by the first append after a quiet spell: let the appends that became ready
            // with it (publishers woken by the same tick, say) queue too, so they share its commit.
            await Task.yield()
        }
    }

    /// Returns once an append is queued, or on ``finish()`` or cancellation.
    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { state in
                    guard state.queue.isEmpty, !state.closed, !Task.isCancelled else { return false }
                    state.worker = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            finish()
        }
    }

    /// What the batcher holds and has done.
    var statistics: Statistics { state.withLock { $0.statistics } }

    /// Returns once `condition` holds for the batcher's ``Statistics``.
    func wait(until condition: @escaping @Sendable (Statistics) -> Bool) async {
        await withCheckedContinuation { continuation in
            let holds = state.withLock { state in
                if condition(state.statistics) { return true }
                state.observers.append((condition, continuation))
                return false
            }
            if holds { continuation.resume() }
        }
    }
}
