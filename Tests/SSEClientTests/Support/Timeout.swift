import NIOCore
import NIOPosix

struct TimedOut: Error, CustomStringConvertible {
    let seconds: Int64
    var description: String { "the test did not finish within \(seconds) seconds" }
}

/// Runs `body`, failing with ``TimedOut`` (and cancelling it) if it takes longer than `seconds`.
///
/// The deadline is a NIO scheduled task, so no test thread ever sleeps.
func withTimeout<R: Sendable>(
    seconds: Int64 = 20,
    _ body: @escaping @Sendable () async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            let scheduled = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .seconds(seconds)) {}
            try await withTaskCancellationHandler {
                try await scheduled.futureResult.get()
            } onCancel: {
                scheduled.cancel()
            }
            throw TimedOut(seconds: seconds)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() ?? nil else { throw TimedOut(seconds: seconds) }
        return result
    }
}
