import SSEProtocol

/// A clock that moves only when a test advances it, and reports every sleep that starts, so
/// retry delays and timeouts are tested without waiting.
public final class TestClock: Clock, Sendable {
    /// A point on the test clock: the time since the clock was created.
    public struct Instant: InstantProtocol {
        /// The time since the clock started.
        public var offset: Duration

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        /// Whether `lhs` comes first.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID = 0
        var watchers: [(deadline: Instant, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// Guarded by a pthread mutex (`LockedState`), which ThreadSanitizer understands; it reports
    /// every access guarded by `Synchronization.Mutex` on Linux as a race.
    private let state = LockedState(State())
    private let sleepSink: AsyncStream<Duration>.Continuation

    /// The length of every sleep that starts, in order.
    public let sleeps: AsyncStream<Duration>

    /// Creates a clock at offset zero.
    public init() {
        (sleeps, sleepSink) = AsyncStream.makeStream()
    }

    /// The current instant.
    public var now: Instant { state.withLock { $0.now } }
    /// Zero: the clock is exact.
    public var minimumResolution: Duration { .zero }

    /// Suspends until a test advances the clock to `deadline`, or the task is cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let due = state.withLock { state in
                    if deadline <= state.now { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    sleepSink.yield(state.now.duration(to: deadline))
                    let ready = state.watchers.filter { $0.deadline == deadline }
                    state.watchers.removeAll { $0.deadline == deadline }
                    ready.forEach { $0.continuation.resume() }
                    return false
                }
                if due { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                state.sleepers.firstIndex { $0.id == id }.map { state.sleepers.remove(at: $0) }
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        due.forEach { $0.continuation.resume() }
    }

    /// Waits for the next sleep to start and returns its length.
    ///
    /// - Throws: `CancellationError` when the clock is gone.
    public func nextSleep() async throws -> Duration {
        var iterator = sleeps.makeAsyncIterator()
        guard let sleep = await iterator.next() else { throw CancellationError() }
        return sleep
    }

    /// Waits until some task sleeps until exactly `deadline`, measured from the clock's start.
    public func waitForSleeper(until deadline: Duration) async {
        let target = Instant(offset: deadline)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let present = state.withLock { state in
                if state.sleepers.contains(where: { $0.deadline == target }) { return true }
                state.watchers.append((target, continuation))
                return false
            }
            if present { continuation.resume() }
        }
    }
}
