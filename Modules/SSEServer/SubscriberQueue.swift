/// The delivery state of one subscriber, as a state machine with no I/O: events go in, and
/// each step says what the caller must do next.
///
/// Encoded events wait in ``pending`` until a drain hands them to the connection in one
/// batch. A subscriber may fall at most `capacity` events behind; the event after that ends it
/// (``Action/disconnect``). While the connection is not writable no drain is scheduled, so a
/// stalled peer accumulates pending events until it is cut off; the publisher never waits.
struct SubscriberQueue: Sendable {
    /// Where the subscriber is in its life.
    enum Phase: Sendable, Equatable {
        /// The head and any replay are being written; live events wait.
        case starting
        /// Live events are delivered.
        case live
        /// The stream is to end once the pending events are written.
        case ending
        /// Nothing more is delivered.
        case ended
    }

    /// What the caller must do after a step.
    enum Action: Sendable, Equatable {
        /// Nothing.
        case none
        /// Schedule a drain on the connection's context.
        case drain
        /// The subscriber fell too far behind: close the connection at once.
        case disconnect
        /// End the response now; `graceful` is `false` when the peer is not taking bytes.
        case finish(graceful: Bool)
    }

    /// How many events may wait before the subscriber is cut off.
    let capacity: Int
    private(set) var phase = Phase.starting
    private(set) var pending: [[UInt8]] = []
    /// A drain is scheduled or running (or the replay is writing): no other may start.
    private var draining = true
    private var writable = true
    private var wroteSinceHeartbeat = false
    /// The only pending chunk is a heartbeat, which does not count as traffic.
    private var onlyHeartbeatPending = false
    /// The store sequence of each event queued while starting, by its index in ``pending``.
    private var sequencesWhileStarting: [Int: Int] = [:]

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Whether events are still accepted.
    var isActive: Bool { phase == .starting || phase == .live }

    /// Queues an encoded event or comment, with its store sequence if it has one.
    mutating func enqueue(_ chunk: [UInt8], sequence: Int? = nil) -> Action {
        guard isActive else { return .none }
        guard pending.count < capacity else {
            phase = .ended
            pending = []
            return .disconnect
        }
        if let sequence, phase == .starting { sequencesWhileStarting[pending.count] = sequence }
        if !pending.isEmpty { onlyHeartbeatPending = false }
        pending.append(chunk)
        return scheduleDrain()
    }

    /// The head and replay are written: live delivery starts, without the events queued
    /// meanwhile whose store sequence is at most `replayedThrough` (the replay held them).
    mutating func started(replayedThrough: Int? = nil) -> Action {
        if let replayedThrough, !sequencesWhileStarting.isEmpty {
            pending = pending.indices.filter { sequencesWhileStarting[$0].map { $0 > replayedThrough } ?? true }
                .map { pending[$0] }
        }
        sequencesWhileStarting = [:]
        draining = false
        if phase == .starting { phase = .live }
        return pending.isEmpty && phase == .live ? .none : scheduleDrain()
    }

    /// Takes every pending chunk for one write.
    mutating func takeBatch() -> [[UInt8]] {
        guard phase == .live || phase == .ending, !pending.isEmpty else { return [] }
        if !onlyHeartbeatPending { wroteSinceHeartbeat = true }
        onlyHeartbeatPending = false
        defer { pending = [] }
        return pending
    }

    /// A drain wrote its batch; `writable` is the connection's state after the write.
    mutating func drained(writable: Bool) -> Action {
        draining = false
        self.writable = writable
        if phase == .ending, pending.isEmpty || !writable {
            phase = .ended
            return .finish(graceful: writable)
        }
        return pending.isEmpty ? .none : scheduleDrain()
    }

    /// The connection takes bytes again.
    mutating func becameWritable() -> Action {
        writable = true
        return pending.isEmpty && phase != .ending ? .none : scheduleDrain()
    }

    /// Ends the stream after the pending events, plus a last chunk (for example a `retry:` hint).
    mutating func end(lastChunk: [UInt8]? = nil) -> Action {
        guard isActive else { return .none }
        if let lastChunk { pending.append(lastChunk) }
        let wasStarting = phase == .starting
        phase = .ending
        if wasStarting { return .none }
        if !writable, !draining {
            phase = .ended
            return .finish(graceful: false)
        }
        return scheduleDrain()
    }

    /// The connection is gone; returns whether the subscriber was still open.
    mutating func connectionClosed() -> Bool {
        defer {
            phase = .ended
            pending = []
        }
        return phase != .ended
    }

    /// Queues a heartbeat comment if nothing was written since the last call.
    mutating func heartbeat(_ chunk: [UInt8]) -> Action {
        defer { wroteSinceHeartbeat = false }
        guard phase == .live, !wroteSinceHeartbeat, pending.isEmpty else { return .none }
        onlyHeartbeatPending = true
        return enqueue(chunk)
    }

    private mutating func scheduleDrain() -> Action {
        guard !draining, writable || phase == .ending, phase == .live || phase == .ending else { return .none }
        draining = true
        return .drain
    }
}
