/// The delivery state of one subscriber, as a state machine with no I/O: events go in, and
/// each step says what the caller must do next.
///
/// Encoded events wait in ``pending`` until a drain hands them to the connection in one
/// batch; no drain is scheduled while the connection is not writable. A subscriber may fall at
/// most `capacity` events and `byteBudget` bytes behind; the event beyond either ends it
/// (``Action/fellBehind(drain:)``): its pending events are dropped and its response ends
/// normally, so its client resumes with `Last-Event-ID`. The publisher never waits.
struct SubscriberQueue: Sendable {
    /// Where the subscriber is in its life.
    enum Phase: Sendable, Equatable {
        /// The head and any replay are being written; live events wait.
        case starting
        /// Live events are delivered.
        case live
        /// The stream is to end once the pending events are written.
        case ending
        /// The end of the response was written; the connection is to close.
        case finished
        /// The connection is gone.
        case ended
    }

    /// What the caller must do after a step.
    enum Action: Sendable, Equatable {
        /// Nothing.
        case none
        /// Schedule a drain on the connection's context.
        case drain
        /// The subscriber fell too far behind and is ending: count it, and schedule a drain
        /// (which finishes the response) when `drain` is `true`.
        case fellBehind(drain: Bool)
        /// End the response now, and close the connection if it is still open after `deadline`
        /// (`nil`: the server's finish deadline).
        case finish(deadline: Duration?)
    }

    /// How many events may wait before the subscriber is ended.
    let capacity: Int
    /// How many bytes may wait before the subscriber is ended.
    let byteBudget: Int
    private(set) var phase = Phase.starting
    private(set) var pending: [[UInt8]] = []
    private(set) var pendingBytes = 0
    /// A drain is scheduled or running (or the replay is writing): no other may start.
    private var draining = true
    private var writable = true
    private var wroteSinceHeartbeat = false
    /// The only pending chunk is a heartbeat, which does not count as traffic.
    private var onlyHeartbeatPending = false
    /// The store sequence of each event queued while starting, by its index in ``pending``.
    private var sequencesWhileStarting: [Int: Int] = [:]
    /// The newest store sequence the replay held: live events up to it are never delivered.
    private var replayedThrough: Int?
    private var fellBehind = false
    private var finishDeadline: Duration?

    init(capacity: Int, byteBudget: Int = .max) {
        self.capacity = max(1, capacity)
        self.byteBudget = max(1, byteBudget)
    }

    /// Whether events are still accepted.
    var isActive: Bool { phase == .starting || phase == .live }

    /// Queues an encoded event or comment, with its store sequence if it has one.
    mutating func enqueue(_ chunk: [UInt8], sequence: Int? = nil) -> Action {
        guard isActive else { return .none }
        if let sequence, let replayedThrough, sequence <= replayedThrough { return .none }
        guard pending.isEmpty || (pending.count < capacity && pendingBytes + chunk.count <= byteBudget) else {
            phase = .ending
            fellBehind = true
            pending = []
            pendingBytes = 0
            sequencesWhileStarting = [:]
            return .fellBehind(drain: scheduleDrain() == .drain)
        }
        if let sequence, phase == .starting { sequencesWhileStarting[pending.count] = sequence }
        if !pending.isEmpty { onlyHeartbeatPending = false }
        pending.append(chunk)
        pendingBytes += chunk.count
        return scheduleDrain()
    }

    /// The head and replay are written: live delivery starts, without any event whose store
    /// sequence is at most `replayedThrough` (the replay held it), whether it was queued
    /// meanwhile or arrives later.
    mutating func started(replayedThrough: Int? = nil) -> Action {
        if let replayedThrough {
            self.replayedThrough = replayedThrough
            if !sequencesWhileStarting.isEmpty {
                let kept = pending.indices.filter { sequencesWhileStarting[$0].map { $0 > replayedThrough } ?? true }
                pending = kept.map { pending[$0] }
                pendingBytes = pending.reduce(0) { $0 + $1.count }
            }
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
        defer {
            pending = []
            pendingBytes = 0
        }
        return pending
    }

    /// A drain wrote its batch; `writable` is the connection's state after the write.
    mutating func drained(writable: Bool) -> Action {
        draining = false
        self.writable = writable
        if phase == .ending, pending.isEmpty {
            phase = .finished
            return .finish(deadline: finishDeadline)
        }
        return pending.isEmpty ? .none : scheduleDrain()
    }

    /// The connection takes bytes again.
    mutating func becameWritable() -> Action {
        writable = true
        return pending.isEmpty && phase != .ending ? .none : scheduleDrain()
    }

    /// Ends the stream after the pending events, plus a last chunk (for example a `retry:` hint).
    ///
    /// An ending stream writes what it has even while the connection is not writable (bounded
    /// by the budget), then finishes; `deadline` bounds how long the connection may take to
    /// send it (`nil`: the server's finish deadline).
    mutating func end(lastChunk: [UInt8]? = nil, deadline: Duration? = nil) -> Action {
        guard isActive else { return .none }
        if let lastChunk {
            pending.append(lastChunk)
            pendingBytes += lastChunk.count
        }
        let wasStarting = phase == .starting
        phase = .ending
        finishDeadline = deadline
        return wasStarting ? .none : scheduleDrain()
    }

    /// The connection is gone; returns why the stream ended, or `nil` when that was reported.
    mutating func connectionClosed() -> Subscriber.EndReason? {
        defer {
            phase = .ended
            pending = []
            pendingBytes = 0
        }
        switch phase {
        case .ended: return nil
        case .starting, .live: return .peerLeft
        case .ending, .finished: return fellBehind ? .slowConsumer : .finished
        }
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
