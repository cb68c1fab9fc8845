import Foundation
import SSEProtocol
import Synchronization
import Testing
@testable import SSEClient

/// The queue between the reader and the consumer, bounded by count and by bytes, with batches at
/// both ends.
@Suite(.timeLimit(.minutes(1))) struct EventBufferTests {
    /// A batch of events whose data is each value, zero-padded to count `bytes`.
    private func batch(_ values: [Int], bytes: Int = 1) -> EventBatch {
        let digits = String(format: "%%0%dd", bytes)
        var decoder = EventStreamDecoder()
        decoder.append(values.map { "data: " + String(format: digits, $0) + "\n\n" }.joined().utf8)
        var batch = EventBatch()
        try? decoder.forEachAvailableView { output in
            if case .event(let event) = output { batch.append(event) }
        }
        return batch
    }

    /// Sends `values` as one batch and flushes, as StreamConnection does before it next suspends.
    private func send(_ values: [Int], bytes: Int = 1, to buffer: EventBuffer) async -> Int {
        var batch = batch(values, bytes: bytes)
        defer { buffer.flush() }
        return await buffer.send(contentsOf: &batch)
    }

    /// Yields many times, so a task that could make progress would.
    private func letOthersRun() async {
        for _ in 0..<1_000 { await Task.yield() }
    }

    @Test func theStreamsBoundsDefaultToWhatTheirDocumentationSays() {
        let configuration = EventSource.Configuration()
        #expect(configuration.bufferSize == 16_384)
        #expect(configuration.maximumBufferedBytes == 64 * 1024 * 1024)
        #expect(configuration.maximumEventSize == 32 * 1024 * 1024)
    }

    @Test func eventsComeOutOfTheBufferAsTheDecoderBuildsThem() async throws {
        var stream = Array("id: 1\nevent: tick\ndata: a\n\nevent: tick\ndata: b\nretry: 250\ndata: c\n\n".utf8)
        stream += Array("data:\n\nid\ndata: after an empty id\n\nevent: tock\ndata: caf\u{E9} \u{1F600}\n\n".utf8)
        stream += Array("id: 7\ndata: bad ".utf8) + [0xFF, 0xC3] + Array("\n\nevent: tick\ndata: d\n\n".utf8)
        var decoder = EventStreamDecoder()
        let expected = try decoder.decodeAll(stream).compactMap { output -> MessageEvent? in
            if case .event(let event) = output { event } else { nil }
        }
        var viewing = EventStreamDecoder()
        viewing.append(stream)
        var batch = EventBatch()
        try viewing.forEachAvailableView { output in
            if case .event(let event) = output { batch.append(event) }
        }
        let buffer = EventBuffer(capacity: 100)
        #expect(await buffer.send(contentsOf: &batch) == expected.count)
        let reader = EventBufferReader(buffer: buffer)
        var received: [MessageEvent] = []
        while received.count < expected.count, let event = await reader.next() { received.append(event) }
        #expect(received == expected)
        #expect(received.map(\.lastEventID) == ["1", "1", "1", "", "", "7", "7"])
    }

    @Test func theByteBudgetPausesTheReaderUntilTheConsumerCatchesUp() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 100, byteLimit: 100)
            let sent = Atomic<Int>(0)
            // Child tasks (`async let`), not unstructured ones: a test cancelled by its timeout
            // cancels them too, and a producer waiting for room then returns.
            func produce() async {
                for item in 1...10 {
                    _ = await send([item], bytes: 40, to: buffer)
                    sent.add(1, ordering: .sequentiallyConsistent)
                }
            }
            async let producer: Void = produce()
            // Two items (80 bytes) fit; the third would make 120 and must wait for the consumer.
            while sent.load(ordering: .sequentiallyConsistent) < 2 { await Task.yield() }
            await letOthersRun()
            #expect(sent.load(ordering: .sequentiallyConsistent) == 2)
            #expect(buffer.occupancy.bytes == 80)
            let reader = EventBufferReader(buffer: buffer)
            var received: [Int] = []
            while received.count < 10, let item = await reader.nextValue() {
                received.append(item)
                #expect(buffer.occupancy.bytes <= 100)
            }
            await producer
            #expect(received == Array(1...10))
        }
    }

    @Test func aBatchFillsTheQueueAndTheRestWaitsForRoom() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 4)
            async let producer = send(Array(1...10), to: buffer)
            let reader = EventBufferReader(buffer: buffer)
            var received: [Int] = []
            while received.count < 10, let item = await reader.nextValue() {
                received.append(item)
                let occupancy = buffer.occupancy
                #expect(occupancy.queued + occupancy.held <= 4)
            }
            #expect(await producer == 10)
            #expect(received == Array(1...10))
        }
    }

    @Test func aReaderTakesHalfTheCapacityAndWhatItHoldsStillCounts() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 8)
            #expect(await send(Array(1...8), to: buffer) == 8)
            let reader = EventBufferReader(buffer: buffer)
            #expect(await reader.nextValue() == 1)
            #expect(buffer.occupancy == (queued: 4, held: 4, bytes: 8))
            // The buffer is full: nothing more fits until the reader comes back for more.
            async let producer = send([9], to: buffer)
            for expected in 2...4 { #expect(await reader.nextValue() == expected) }
            await letOthersRun()
            #expect(buffer.occupancy == (queued: 4, held: 4, bytes: 8))
            #expect(await reader.nextValue() == 5)
            #expect(await producer == 1)
            var received: [Int] = []
            while received.count < 4, let item = await reader.nextValue() { received.append(item) }
            #expect(received == Array(6...9))
        }
    }

    @Test func aReaderTakesHalfTheByteBudget() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 100, byteLimit: 100)
            #expect(await send([1, 2, 3], bytes: 30, to: buffer) == 3)
            let reader = EventBufferReader(buffer: buffer)
            // 30 bytes fit half the budget, 60 do not: one item at a time.
            #expect(await reader.nextValue() == 1)
            #expect(buffer.occupancy == (queued: 2, held: 1, bytes: 90))
            #expect(await reader.nextValue() == 2)
            #expect(buffer.occupancy == (queued: 1, held: 1, bytes: 60))
        }
    }

    @Test func aFullBufferWakesItsProducerOnceTheReaderComesBackForMore() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 4)
            async let producer = send(Array(1...8), to: buffer)
            while buffer.occupancy.queued < 4 { await Task.yield() }
            let reader = EventBufferReader(buffer: buffer)
            #expect(await reader.nextValue() == 1)
            #expect(await reader.nextValue() == 2)
            // The reader holds two and has not asked for more: the producer stays asleep.
            await letOthersRun()
            #expect(buffer.occupancy == (queued: 2, held: 2, bytes: 4))
            // Coming back ends the reader's batch: the producer refills the free half in one step.
            #expect(await reader.nextValue() == 3)
            while buffer.occupancy.queued < 2 { await Task.yield() }
            #expect(buffer.occupancy == (queued: 2, held: 2, bytes: 4))
            var received: [Int] = []
            while received.count < 5, let item = await reader.nextValue() { received.append(item) }
            #expect(received == Array(4...8))
            #expect(await producer == 8)
        }
    }

    @Test func aBatchCutShortByFinishSaysHowManyWereQueuedAndIsLeftAsItWas() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 2)
            func produce() async -> (sent: Int, left: Int) {
                var batch = batch(Array(1...5))
                let sent = await buffer.send(contentsOf: &batch)
                return (sent, batch.count)
            }
            async let producer = produce()
            while buffer.occupancy.queued < 2 { await Task.yield() }
            buffer.finish()
            let (sent, left) = await producer
            #expect(sent == 2)
            #expect(left == 5)
        }
    }

    @Test func aBatchThatFitsAnEmptyQueueIsQueuedWhole() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 16)
            var batch = batch(Array(1...10), bytes: 2)
            #expect(await buffer.send(contentsOf: &batch) == 10)
            #expect(batch.isEmpty)
            #expect(batch.bytes == 0)
            #expect(buffer.occupancy == (queued: 10, held: 0, bytes: 20))
        }
    }

    @Test func anItemLargerThanTheBudgetStillGoesIntoAnEmptyQueue() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 4, byteLimit: 10)
            #expect(await send([1], bytes: 50, to: buffer) == 1)
            #expect(buffer.occupancy.bytes == 50)
            async let second = send([2], bytes: 1, to: buffer)
            let reader = EventBufferReader(buffer: buffer)
            #expect(await reader.nextValue() == 1)
            #expect(await reader.nextValue() == 2)
            #expect(await second == 1)
            #expect(buffer.occupancy.queued == 0)
        }
    }

    @Test func queuedItemsWaitForAFlushOrForTheConsumerToAsk() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 8)
            func consume() async -> [Int] {
                let reader = EventBufferReader(buffer: buffer)
                var received: [Int] = []
                while received.count < 3, let item = await reader.nextValue() { received.append(item) }
                return received
            }
            async let consumer = consume()
            var batch = batch(Array(1...3))
            #expect(await buffer.send(contentsOf: &batch) == 3)
            buffer.flush()
            #expect(await consumer == [1, 2, 3])
        }
    }

    @Test func theReaderIsConsumedOnlyWhenItAsksForMoreAfterItsWholeBatch() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 8)
            #expect(await send([1, 2], to: buffer) == 2)
            let reader = EventBufferReader(buffer: buffer)
            #expect(await reader.nextValue() == 1)
            let consumed = Atomic<Bool>(false)
            // Once consumed, the buffer ends, so the reader's next request returns nil.
            func finishOnceConsumed() async {
                await buffer.waitUntilConsumed()
                consumed.store(true, ordering: .sequentiallyConsistent)
                buffer.finish()
            }
            async let finisher: Void = finishOnceConsumed()
            #expect(await reader.nextValue() == 2)
            // The reader holds the last event until it asks for the next one.
            await letOthersRun()
            let consumedEarly = consumed.load(ordering: .sequentiallyConsistent)
            #expect(!consumedEarly)
            // Asking for more ends the reader's batch; nothing more comes until the buffer ends.
            #expect(await reader.nextValue() == nil)
            await finisher
            let consumedAtLast = consumed.load(ordering: .sequentiallyConsistent)
            #expect(consumedAtLast)
        }
    }

    @Test func aReaderThatGoesAwayGivesBackWhatItDidNotHandOut() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 8)
            #expect(await send([1, 2, 3], to: buffer) == 3)
            var first: EventBufferReader? = EventBufferReader(buffer: buffer)
            #expect(await first?.nextValue() == 1)
            #expect(buffer.occupancy == (queued: 0, held: 3, bytes: 3))
            #expect(await send([4], to: buffer) == 1)
            first = nil
            #expect(buffer.occupancy == (queued: 3, held: 0, bytes: 3))
            let second = EventBufferReader(buffer: buffer)
            var received: [Int] = []
            while received.count < 3, let item = await second.nextValue() { received.append(item) }
            #expect(received == [2, 3, 4])
        }
    }

    @Test func aReaderThatGoesAwayAfterTheEndGivesNothingBack() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 8)
            #expect(await send([1, 2], to: buffer) == 2)
            var reader: EventBufferReader? = EventBufferReader(buffer: buffer)
            #expect(await reader?.nextValue() == 1)
            buffer.finish()
            reader = nil
            #expect(buffer.occupancy == (queued: 0, held: 0, bytes: 0))
            await buffer.waitUntilConsumed()
        }
    }

    @Test func finishingEndsAWaitingConsumerAndDropsQueuedItems() async throws {
        try await withTimeout {
            let buffer = EventBuffer(capacity: 8)
            #expect(await send([1], to: buffer) == 1)
            buffer.finish()
            let reader = EventBufferReader(buffer: buffer)
            #expect(await reader.nextValue() == nil)
            #expect(await send([2], to: buffer) == 0)
        }
    }
}

extension EventBufferReader {
    /// The next event's data as a number, as the tests' batches carry them.
    fileprivate func nextValue(isolation actor: isolated (any Actor)? = #isolation) async -> Int? {
        await next().map { Int($0.data)! }
    }
}
