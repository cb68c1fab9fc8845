import Synchronization
import Testing
@testable import SSEClient

/// The queue between the reader and the consumer, bounded by count and by bytes.
@Suite(.timeLimit(.minutes(1))) struct EventBufferTests {
    @Test func theByteBudgetPausesTheReaderUntilTheConsumerCatchesUp() async throws {
        try await withTimeout {
            let buffer = EventBuffer<Int>(capacity: 100, byteLimit: 100)
            let sent = Atomic<Int>(0)
            let producer = Task {
                for item in 1...10 {
                    _ = await buffer.send(item, bytes: 40)
                    sent.add(1, ordering: .sequentiallyConsistent)
                    buffer.flush()
                }
            }
            // Two items (80 bytes) fit; the third would make 120 and must wait for the consumer.
            while sent.load(ordering: .sequentiallyConsistent) < 2 { await Task.yield() }
            for _ in 0..<1_000 { await Task.yield() }
            #expect(sent.load(ordering: .sequentiallyConsistent) == 2)
            #expect(buffer.queuedBytes == 80)
            var received: [Int] = []
            while received.count < 10, let item = await buffer.next() {
                received.append(item)
                #expect(buffer.queuedBytes <= 100)
            }
            await producer.value
            #expect(received == Array(1...10))
        }
    }

    @Test func aBatchFillsTheQueueAndTheRestWaitsForRoom() async throws {
        try await withTimeout {
            let buffer = EventBuffer<Int>(capacity: 4)
            let producer = Task {
                // The reader flushes before it next suspends, as StreamConnection does.
                defer { buffer.flush() }
                return await buffer.send(contentsOf: (1...10).map { (item: $0, bytes: 1) })
            }
            var received: [Int] = []
            while received.count < 10, let item = await buffer.next() {
                received.append(item)
                #expect(buffer.queuedBytes <= 4)
            }
            #expect(await producer.value == 10)
            #expect(received == Array(1...10))
        }
    }

    @Test func aFullQueueWakesItsProducerOnlyOnceHalfDrained() async throws {
        try await withTimeout {
            let buffer = EventBuffer<Int>(capacity: 4)
            let producer = Task {
                // The reader flushes before it next suspends, as StreamConnection does.
                defer { buffer.flush() }
                return await buffer.send(contentsOf: (1...8).map { (item: $0, bytes: 1) })
            }
            while buffer.queuedBytes < 4 { await Task.yield() }
            #expect(await buffer.next() == 1)
            // Three of four queued: not yet half drained, so the producer stays asleep.
            for _ in 0..<1_000 { await Task.yield() }
            #expect(buffer.queuedBytes == 3)
            #expect(await buffer.next() == 2)
            // Two of four: the producer wakes and refills the queue in one step.
            while buffer.queuedBytes < 4 { await Task.yield() }
            var received: [Int] = []
            while received.count < 6, let item = await buffer.next() { received.append(item) }
            #expect(received == Array(3...8))
            #expect(await producer.value == 8)
        }
    }

    @Test func aBatchCutShortByFinishSaysHowManyWereQueued() async throws {
        try await withTimeout {
            let buffer = EventBuffer<Int>(capacity: 2)
            let producer = Task { await buffer.send(contentsOf: (1...5).map { (item: $0, bytes: 1) }) }
            while buffer.queuedBytes < 2 { await Task.yield() }
            buffer.finish()
            #expect(await producer.value == 2)
        }
    }

    @Test func anItemLargerThanTheBudgetStillGoesIntoAnEmptyQueue() async throws {
        try await withTimeout {
            let buffer = EventBuffer<String>(capacity: 4, byteLimit: 10)
            #expect(await buffer.send("large", bytes: 50))
            #expect(buffer.queuedBytes == 50)
            let second = Task { await buffer.send("small", bytes: 1) }
            #expect(await buffer.next() == "large")
            #expect(await second.value)
            #expect(await buffer.next() == "small")
            #expect(buffer.queuedBytes == 0)
        }
    }

    @Test func queuedItemsWaitForAFlushOrForTheConsumerToAsk() async throws {
        try await withTimeout {
            let buffer = EventBuffer<Int>(capacity: 8)
            let consumer = Task { await buffer.next() }
            for item in 1...3 { #expect(await buffer.send(item, bytes: 1)) }
            buffer.flush()
            #expect(await consumer.value == 1)
            #expect(await buffer.next() == 2)
            #expect(await buffer.next() == 3)
        }
    }

    @Test func finishingEndsAWaitingConsumerAndDropsQueuedItems() async throws {
        try await withTimeout {
            let buffer = EventBuffer<Int>(capacity: 8)
            #expect(await buffer.send(1, bytes: 1))
            buffer.finish()
            #expect(await buffer.next() == nil)
            #expect(await buffer.send(2, bytes: 1) == false)
        }
    }
}
