import Foundation

/// Runs blocking work (reading a pipe, waiting for a process, running a command to its end) on
/// a thread of its own and returns its result.
///
/// The cooperative pool has as many threads as cores, two on the machines the suite runs on; a
/// test that blocks one of them stalls every other test's tasks, and servers whose handlers are
/// tasks stop answering, long enough for their timeouts to fire.
///
/// - Parameter work: The blocking work.
/// - Returns: What `work` returned.
/// - Throws: What `work` threw.
public func onThreadOfItsOwn<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Swift.Result { try work() }) }
    }
}

/// Runs blocking work that cannot fail on a thread of its own; see ``onThreadOfItsOwn(_:)-(()->Result)``.
///
/// - Parameter work: The blocking work.
/// - Returns: What `work` returned.
public func onThreadOfItsOwn<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}
