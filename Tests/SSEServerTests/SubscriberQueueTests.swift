@testable import SSEServer
import Testing

@Suite("SubscriberQueue state machine")
struct SubscriberQueueTests {
    private let event: [UInt8] = Array("data: x\n\n".utf8)

    @Test func liveEventsWaitUntilStarted() {
        var queue = SubscriberQueue(capacity: 4)
        let step1 = queue.enqueue(event)
        #expect(step1 == .none)
        let step2 = queue.started()
        #expect(step2 == .drain)
        let step3 = queue.takeBatch()
        #expect(step3 == [event])
        let step4 = queue.drained(writable: true)
        #expect(step4 == .none)
    }

    @Test func oneDrainAtATimeTakesEverythingQueued() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.started()
        let step5 = queue.enqueue(event)
        #expect(step5 == .drain)
        let step6 = queue.enqueue(event)
        #expect(step6 == .none)
        let step7 = queue.enqueue(event)
        #expect(step7 == .none)
        let step8 = queue.takeBatch()
        #expect(step8.count == 3)
        let step9 = queue.enqueue(event)
        #expect(step9 == .none)
        let step10 = queue.drained(writable: true)
        #expect(step10 == .drain)
        let step11 = queue.takeBatch()
        #expect(step11.count == 1)
    }

    @Test func theEventBeyondCapacityEndsTheStreamWithoutItsBacklog() {
        var queue = SubscriberQueue(capacity: 2)
        _ = queue.started()
        let step12 = queue.enqueue(event)
        #expect(step12 == .drain)
        let step13 = queue.enqueue(event)
        #expect(step13 == .none)
        let step14 = queue.enqueue(event)
        #expect(step14 == .fellBehind(drain: false))
        #expect(queue.phase == .ending)
        let step15 = queue.enqueue(event)
        #expect(step15 == .none)
        // The drain in flight wrote its batch: the response ends, with nothing more.
        let batch = queue.takeBatch()
        #expect(batch.isEmpty)
        let step16 = queue.drained(writable: false)
        #expect(step16 == .finish(deadline: nil))
        let result1 = queue.connectionClosed()
        #expect(result1 == .slowConsumer)
    }

    @Test func theEventBeyondTheByteBudgetEndsTheStream() {
        var queue = SubscriberQueue(capacity: 100, byteBudget: 2 * event.count)
        _ = queue.started()
        _ = queue.enqueue(event)
        _ = queue.takeBatch()
        _ = queue.drained(writable: false)
        let first = queue.enqueue(event)
        #expect(first == .none)
        let second = queue.enqueue(event)
        #expect(second == .none)
        #expect(queue.pendingBytes == 2 * event.count)
        let third = queue.enqueue(event)
        #expect(third == .fellBehind(drain: true))
        #expect(queue.pendingBytes == 0)
        let batch = queue.takeBatch()
        #expect(batch.isEmpty)
        let finish = queue.drained(writable: false)
        #expect(finish == .finish(deadline: nil))
    }

    @Test func anEventLargerThanTheBudgetStillGoesToASubscriberThatIsNotBehind() {
        var queue = SubscriberQueue(capacity: 100, byteBudget: 4)
        _ = queue.started()
        let action = queue.enqueue(event)
        #expect(action == .drain)
        let result2 = queue.takeBatch()
        #expect(result2 == [event])
    }

    @Test func liveEventsTheReplayHeldAreDroppedEvenAfterStart() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.enqueue(event, sequence: 1)
        _ = queue.enqueue(event, sequence: 3)
        _ = queue.started(replayedThrough: 2)
        let result3 = queue.takeBatch()
        #expect(result3 == [event])
        _ = queue.drained(writable: true)
        // Stored before the replay's snapshot, delivered after the stream went live.
        let late = queue.enqueue(event, sequence: 2)
        #expect(late == .none)
        #expect(queue.pending.isEmpty)
        let next = queue.enqueue(event, sequence: 4)
        #expect(next == .drain)
    }

    @Test func anUnwritableConnectionIsNotDrainedUntilWritable() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.started()
        _ = queue.enqueue(event)
        _ = queue.takeBatch()
        let step16 = queue.drained(writable: false)
        #expect(step16 == .none)
        let step17 = queue.enqueue(event)
        #expect(step17 == .none)
        let step18 = queue.becameWritable()
        #expect(step18 == .drain)
    }

    @Test func endingWritesPendingEventsThenFinishes() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.started()
        _ = queue.enqueue(event)
        let step19 = queue.end(lastChunk: [0x3A, 0x0A])
        #expect(step19 == .none)
        let step20 = queue.takeBatch()
        #expect(step20 == [event, [0x3A, 0x0A]])
        let step21 = queue.drained(writable: true)
        #expect(step21 == .finish(deadline: nil))
        let step22 = queue.end()
        #expect(step22 == .none)
    }

    @Test func endingAStalledConnectionStillWritesItsQueueThenFinishes() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.started()
        _ = queue.enqueue(event)
        _ = queue.takeBatch()
        _ = queue.drained(writable: false)
        _ = queue.enqueue(event)
        let step23 = queue.end(lastChunk: [0x3A, 0x0A], deadline: .seconds(10))
        #expect(step23 == .drain)
        let result4 = queue.takeBatch()
        #expect(result4 == [event, [0x3A, 0x0A]])
        let step24 = queue.drained(writable: false)
        #expect(step24 == .finish(deadline: .seconds(10)))
        let result5 = queue.connectionClosed()
        #expect(result5 == .finished)
    }

    @Test func endingWhileStartingFinishesAfterStart() {
        var queue = SubscriberQueue(capacity: 8)
        let step24 = queue.end()
        #expect(step24 == .none)
        let step25 = queue.started()
        #expect(step25 == .drain)
        let step26 = queue.takeBatch()
        #expect(step26.isEmpty)
        let step27 = queue.drained(writable: true)
        #expect(step27 == .finish(deadline: nil))
    }

    @Test func heartbeatsEveryIntervalWhileIdleAndNotAfterTraffic() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.started()
        let ping: [UInt8] = [0x3A, 0x0A]
        for _ in 0..<3 {
            let action = queue.heartbeat(ping)
            #expect(action == .drain)
            let batch = queue.takeBatch()
            #expect(batch == [ping])
            _ = queue.drained(writable: true)
        }
        _ = queue.enqueue(event)
        _ = queue.takeBatch()
        _ = queue.drained(writable: true)
        let afterTraffic = queue.heartbeat(ping)
        #expect(afterTraffic == .none)
        let nextInterval = queue.heartbeat(ping)
        #expect(nextInterval == .drain)
    }

    @Test func aClosedConnectionReportsOnce() {
        var queue = SubscriberQueue(capacity: 8)
        _ = queue.started()
        let step31 = queue.connectionClosed()
        #expect(step31 == .peerLeft)
        let step32 = queue.connectionClosed()
        #expect(step32 == nil)
        let step33 = queue.enqueue(event)
        #expect(step33 == .none)
    }
}
