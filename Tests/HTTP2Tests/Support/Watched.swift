import NIOCore
import NIOPosix
import SSEProtocol

/// A value that event-loop handlers change and a test waits on, with a deadline.
final class Watched<State: Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let check: @Sendable (State) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct Box {
        var state: State
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let box: LockedState<Box>

    init(_ state: State) {
        box = LockedState(Box(state: state))
    }

    /// The current value.
    var value: State { box.withLock { $0.state } }

    /// Changes the value and wakes the waiters whose condition now holds.
    func update(_ change: (inout State) -> Void) {
        let ready = box.withLock { box in
            change(&box.state)
            let state = box.state
            let ready = box.waiters.filter { $0.check(state) }
            box.waiters.removeAll { $0.check(state) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// Waits until `check` holds for the value, for at most `timeout`.
    ///
    /// - Returns: Whether it held in time.
    func wait(timeout: TimeAmount = .seconds(10), until check: @escaping @Sendable (State) -> Bool) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id: Int? = box.withLock { box in
                if check(box.state) { return nil }
                box.nextID += 1
                box.waiters.append(Waiter(id: box.nextID, check: check, continuation: continuation))
                return box.nextID
            }
            guard let id else { return continuation.resume(returning: true) }
            MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: timeout) {
                let expired = self.box.withLock { box in
                    box.waiters.firstIndex { $0.id == id }.map { box.waiters.remove(at: $0) }
                }
                expired?.continuation.resume(returning: false)
            }
        }
    }
}
