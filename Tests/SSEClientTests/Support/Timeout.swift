import NIOCore
import NIOPosix
import SSEProtocol

struct TimedOut: Error, CustomStringConvertible {
    let seconds: Int64
    var description: String { "the test did not finish within \(seconds) seconds" }
}

/// Runs `body`, failing with ``TimedOut`` (and cancelling it) if it takes longer than `seconds`.
///
/// The deadline is a NIO scheduled task, so no test thread ever sleeps. On the deadline the call
/// throws at once, without waiting for `body` to notice its cancellation: a body stuck in a wait
/// that ignores cancellation fails its test instead of hanging the whole run.
///
/// The default is generous on purpose. The suite runs every test at once on a two-core machine,
/// where CPU-heavy tests (the decoder model runs, in a debug build) can hold both cooperative
/// threads for many seconds; the deadline turns a hang into a failure, it does not measure speed.
func withTimeout<R: Sendable>(
    seconds: Int64 = 45,
    _ body: @escaping @Sendable () async throws -> R
) async throws -> R {
    let outcome = FirstOutcome<R>()
    let work = Task {
        do {
            outcome.settle(.success(try await body()))
        } catch {
            outcome.settle(.failure(error))
        }
    }
    let deadline = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .seconds(seconds)) {
        work.cancel()
        outcome.settle(.failure(TimedOut(seconds: seconds)))
    }
    defer { deadline.cancel() }
    return try await withTaskCancellationHandler {
        try await outcome.value()
    } onCancel: {
        work.cancel()
        outcome.settle(.failure(CancellationError()))
    }
}

/// The first result settled, handed to the one task that waits for it.
private final class FirstOutcome<R: Sendable>: Sendable {
    private struct State {
        var result: Result<R, any Error>?
        var waiter: CheckedContinuation<R, any Error>?
    }

    private let state = LockedState(State())

    /// Records `result` unless one was recorded already, and wakes the waiter.
    func settle(_ result: Result<R, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<R, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            return state.waiter.take()
        }
        waiter?.resume(with: result)
    }

    /// Waits for the first result.
    func value() async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            let settled = state.withLock { state -> Result<R, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let settled { continuation.resume(with: settled) }
        }
    }
}
