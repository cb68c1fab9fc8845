import SSEProtocol

/// A one-way gate: callers wait until it opens, then pass (or fail with the error it opened with).
final class ReadyGate: Sendable {
    private struct State {
        var outcome: Result<Void, any Error>?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    private let state = LockedState(State())

    /// Opens the gate once; later calls change nothing but a success into a failure.
    func open(_ error: (any Error)?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            if case .success = state.outcome, error == nil { return [] }
            if state.outcome == nil || error != nil {
                state.outcome = error.map { .failure($0) } ?? .success(())
            }
            defer { state.waiters = [] }
            return state.waiters
        }
        let outcome = state.withLock { $0.outcome! }
        for waiter in waiters { waiter.resume(with: outcome) }
    }

    /// Returns once the gate is open, or throws the error it opened with.
    func wait() async throws {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<Void, any Error>? in
                if state.outcome == nil { state.waiters.append(continuation) }
                return state.outcome
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
