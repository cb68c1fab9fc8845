import SSEProtocol
import Testing
@testable import SSEClient

/// How the buffer's queue keeps the reader's batches: whole batches move through it without
/// being copied, small ones join the newest, and events come out in order whatever the path.
@Suite struct EventBatchQueueTests {
    /// A batch of events whose data are `values`.
    private func batch(_ values: Range<Int>) -> EventBatch {
        var decoder = EventStreamDecoder()
        decoder.append(values.map { "data: \($0)\n\n" }.joined().utf8)
        var batch = EventBatch()
        try? decoder.forEachAvailableView { output in
            if case .event(let event) = output { batch.append(event) }
        }
        return batch
    }

    /// The data of every event in `batch`, as numbers, emptying it.
    private func values(_ batch: inout EventBatch) -> [Int] {
        var strings = RecentStrings()
        var values: [Int] = []
        while let event = batch.removeFirst(strings: &strings) { values.append(Int(event.data)!) }
        return values
    }

    /// Takes everything, oldest first, in takes of at most `countLimit` events.
    private func drain(_ queue: inout EventBatchQueue, countLimit: Int = .max) -> (values: [Int], takes: [Int]) {
        var all: [Int] = []
        var takes: [Int] = []
        while queue.count > 0 {
            var taken = EventBatch()
            let (count, bytes) = queue.takeOldest(into: &taken, countLimit: countLimit, byteLimit: .max)
            #expect(taken.count == count)
            #expect(taken.bytes == bytes)
            takes.append(count)
            all += values(&taken)
        }
        #expect(queue.bytes == 0)
        return (all, takes)
    }

    private func storage(of batch: EventBatch) -> UnsafeRawPointer? {
        batch.payload.withUnsafeBytes { $0.baseAddress.map(UnsafeRawPointer.init) }
    }

    @Test func aLargeBatchGoesThroughTheQueueWithoutBeingCopied() {
        var queue = EventBatchQueue()
        var first = batch(0..<1_000)
        let bytes = first.bytes
        let storage = storage(of: first)
        queue.append(&first)
        #expect(first.isEmpty)
        #expect(queue.count == 1_000)
        #expect(queue.bytes == bytes)
        var taken = EventBatch()
        #expect(queue.takeOldest(into: &taken, countLimit: 1_000, byteLimit: bytes) == (1_000, bytes))
        #expect(self.storage(of: taken) == storage)
        #expect(values(&taken) == Array(0..<1_000))
    }

    @Test func theStorageAReaderEmptiedIsFilledAgainByTheNextBatchQueued() {
        var queue = EventBatchQueue()
        var sent = batch(0..<500)
        queue.append(&sent)
        var taken = EventBatch()
        _ = queue.takeOldest(into: &taken, countLimit: .max, byteLimit: .max)
        #expect(values(&taken) == Array(0..<500))
        let emptied = storage(of: taken)
        // The reader asks again with its emptied batch: that storage becomes the spare, which the
        // next batch queued whole leaves behind for the reader of the network to fill.
        var second = batch(500..<1_000)
        queue.append(&second)
        var next = EventBatch()
        swap(&next, &taken)
        _ = queue.takeOldest(into: &next, countLimit: .max, byteLimit: .max)
        var third = batch(1_000..<1_500)
        queue.append(&third)
        #expect(storage(of: third) == emptied)
        #expect(values(&next) == Array(500..<1_000))
        #expect(drain(&queue).values == Array(1_000..<1_500))
    }

    @Test func smallBatchesJoinTheNewestSoAReaderTakesThemTogether() {
        var queue = EventBatchQueue()
        for value in 0..<100 {
            var single = batch(value..<(value + 1))
            queue.append(&single)
            #expect(single.isEmpty)
        }
        var large = batch(100..<400)
        queue.append(&large)
        var small = batch(400..<410)
        queue.append(&small)
        let (values, takes) = drain(&queue)
        #expect(values == Array(0..<410))
        // The hundred single events make one batch; the large one is queued whole, not copied
        // into it; the last small batch is queued on its own, as the large one is not small.
        #expect(takes == [100, 300, 10])
    }

    @Test func aBatchLargerThanTheLimitsIsTakenInPieces() {
        var queue = EventBatchQueue()
        var large = batch(0..<1_000)
        queue.append(&large)
        let (values, takes) = drain(&queue, countLimit: 300)
        #expect(values == Array(0..<1_000))
        #expect(takes == [300, 300, 300, 100])
    }

    @Test func thePieceAByteLimitAllowsHoldsAtLeastOneEvent() {
        var queue = EventBatchQueue()
        var large = batch(10..<20)
        queue.append(&large)
        var taken = EventBatch()
        // Each event counts two bytes: five fit in ten, none in one, and one is taken anyway.
        #expect(queue.takeOldest(into: &taken, countLimit: .max, byteLimit: 10) == (5, 10))
        #expect(values(&taken) == Array(10..<15))
        #expect(queue.takeOldest(into: &taken, countLimit: .max, byteLimit: 1) == (1, 2))
        #expect(values(&taken) == [15])
        #expect(drain(&queue).values == Array(16..<20))
    }

    @Test func copiedRangesAndReturnedEventsKeepTheirOrder() {
        var queue = EventBatchQueue()
        let source = batch(0..<600)
        queue.append(source, range: 0..<300)
        queue.append(source, range: 300..<600)
        #expect(queue.count == 600)
        #expect(queue.bytes == source.bytes)
        // A small range is queued on its own after a large batch; the next one joins it.
        let small = batch(600..<610)
        queue.append(small, range: 0..<5)
        queue.append(small, range: 5..<10)
        queue.append(small, range: 0..<0)
        #expect(queue.count == 610)
        #expect(queue.bytes == source.bytes + small.bytes)
        var taken = EventBatch()
        _ = queue.takeOldest(into: &taken, countLimit: .max, byteLimit: .max)
        #expect(taken.count == 300)
        var strings = RecentStrings()
        #expect(taken.removeFirst(strings: &strings)?.data == "0")
        // A reader that goes away puts back what it did not hand out, in front.
        taken.dropHandedOut()
        queue.prepend(&taken)
        #expect(taken.isEmpty)
        let (values, takes) = drain(&queue)
        #expect(values == Array(1..<610))
        #expect(takes == [299, 300, 10])
    }

    @Test func manyBatchesComeOutInOrderAsTheQueueReusesItsSlots() {
        var queue = EventBatchQueue()
        var expected: [Int] = []
        var next = 0
        // Queue three batches for every two taken, so taken slots pile up at the front and the
        // queue has to reclaim them while batches are still queued.
        for _ in 0..<40 {
            for _ in 0..<3 {
                var large = batch(next..<(next + 300))
                next += 300
                queue.append(&large)
            }
            for _ in 0..<2 {
                var taken = EventBatch()
                _ = queue.takeOldest(into: &taken, countLimit: .max, byteLimit: .max)
                expected += values(&taken)
            }
        }
        expected += drain(&queue).values
        #expect(expected == Array(0..<next))
        queue.removeAll()
        #expect(queue.count == 0)
    }

    /// Takes every queued batch whole, each into a batch that held events before, as a reader
    /// does; returns how many events came out.
    private func takeAllWhole(_ queue: inout EventBatchQueue) -> Int {
        var taken = 0
        while queue.count > 0 {
            var emptied = batch(0..<300)
            _ = values(&emptied)
            taken += queue.takeOldest(into: &emptied, countLimit: .max, byteLimit: .max).count
            _ = values(&emptied)
        }
        return taken
    }

    @Test func theReaderOfTheNetworkRefillsEveryBatchAReaderEmptiedInABurst() {
        var queue = EventBatchQueue()
        for round in 0..<3 {
            // The reader of the network queues five batches in a row, as after waiting for room.
            for index in 0..<5 {
                var sent = batch(0..<300)
                queue.append(&sent)
                // After the first round, each batch queued leaves storage behind to fill again.
                #expect((sent.storageBytes > 0) == (round > 0), "round \(round), batch \(index)")
            }
            #expect(takeAllWhole(&queue) == 1_500)
            #expect(queue.spareCount == 5)
        }
        queue.removeAll()
        #expect(queue.spareCount == 0)
        #expect(queue.spareBytes == 0)
    }

    @Test func theSpareStorageStaysWithinItsBounds() {
        var queue = EventBatchQueue()
        for _ in 0..<(EventBatchQueue.maximumSpareBatches * 3) {
            var sent = batch(0..<300)
            queue.append(&sent)
        }
        #expect(takeAllWhole(&queue) == 300 * EventBatchQueue.maximumSpareBatches * 3)
        #expect(queue.spareCount == EventBatchQueue.maximumSpareBatches)
        #expect(queue.spareBytes <= EventBatchQueue.maximumSpareBytes)

        // A batch whose storage outgrew the bound is released once emptied, not kept.
        var fresh = EventBatchQueue()
        var decoder = EventStreamDecoder()
        let line = "data: \(String(repeating: "x", count: 1_024))\n\n"
        let lines = EventBatchQueue.maximumSpareBytes / 1_024 + 1
        decoder.append(String(repeating: line, count: lines).utf8)
        var large = EventBatch()
        try? decoder.forEachAvailableView { output in
            if case .event(let event) = output { large.append(event) }
        }
        #expect(large.count == lines)
        #expect(large.storageBytes > EventBatchQueue.maximumSpareBytes)
        fresh.append(&large)
        var taken = EventBatch()
        #expect(fresh.takeOldest(into: &taken, countLimit: .max, byteLimit: .max).count == lines)
        var strings = RecentStrings()
        while let event = taken.removeFirst(strings: &strings) { #expect(event.data.utf8.count == 1_024) }
        var next = EventBatch()
        swap(&next, &taken)
        var small = batch(0..<300)
        fresh.append(&small)
        _ = fresh.takeOldest(into: &next, countLimit: .max, byteLimit: .max)
        #expect(fresh.spareCount == 0)
        #expect(fresh.spareBytes == 0)
    }
}
