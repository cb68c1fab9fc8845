import Foundation
import NIOCore
@testable import SSEPostgres
import SSEProtocol
import SSERepositories
import Testing

/// A task executor that runs its jobs only when the test says so, so that a test decides what
/// happens between two steps of a task that prefers it.
private final class ManualExecutor: TaskExecutor {
    private let jobs = LockedState<[UnownedJob]>([])

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
    }

    /// Runs the oldest job until its task suspends; `false` when none was waiting.
    func runOne() -> Bool {
        guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return false }
        job.runSynchronously(on: asUnownedTaskExecutor())
        return true
    }

    /// Runs jobs, those they enqueue included, until none is left.
    func runUntilIdle() {
        while runOne() {}
    }
}

/// The batcher alone, with a recording `send` instead of a database.
@Suite(.timeLimit(.minutes(1))) struct AppendBatcherTests {
    private static func request(_ id: String) -> AppendRequest {
        AppendRequest(channel: "c", id: id, type: "", data: ByteBuffer(string: "x"), text: "x", size: id.utf8.count + 1, inline: true)
    }

    @Test func anAppendThatBecomesReadyWhileTheIdleBatcherWakesSharesItsBatch() async throws {
        let executor = ManualExecutor()
        let sent = LockedState<[[String]]>([])
        let batcher = AppendBatcher(maxEvents: 100, maxBytes: 1 << 20, maxQueued: 100) { requests in
            sent.withLock { $0.append(requests.map(\.id)) }
            return requests.enumerated().map { index, request in
                .success(.stored(StoredEvent(id: request.id, event: "", data: request.text, sequence: index + 1, time: Date())))
            }
        }
        let runner = Task(executorPreference: executor) { await batcher.run() }
        executor.runUntilIdle()  // run() now waits for an append.

        let first = Task { try await batcher.append({ Self.request("a") }, deliver: { _ in }) }
        // The append resumes the batcher before it reports itself queued.
        await batcher.wait { $0.queued == 1 }
        #expect(executor.runOne())  // The batcher wakes and lets other ready appends queue first...
        let second = Task { try await batcher.append({ Self.request("b") }, deliver: { _ in }) }
        // Queued, or (had the batcher not waited) sent alone: either way the batcher holds it.
        await batcher.wait { $0.queued + $0.sent == 2 }
        executor.runUntilIdle()  // ...so the one that queued meanwhile goes in the same batch.

        #expect(try await first.value.event.id == "a")
        #expect(try await second.value.event.id == "b")
        #expect(sent.withLock { $0 } == [["a", "b"]])
        batcher.finish()
        executor.runUntilIdle()
        await runner.value
    }
}
