/// The events an ``EventBuffer`` holds, kept as the batches the reader of the network handed
/// over, oldest first.
///
/// A whole batch joins the queue by moving its storage, and a reader takes the oldest batch the
/// same way; the emptied storage a reader gives back is kept as a spare, and a spare becomes the
/// next batch the reader of the network fills. So in the steady state an event's bytes are copied
/// once, from the decoder into a batch, and never again on their way to the consumer, whether or
/// not the queue is empty; and no batch is allocated, grown or faulted in anew.
///
/// A consumer slower than the network empties several batches while the reader of the network
/// waits for room, and the reader then refills that room in a burst, so one spare is not enough:
/// the queue keeps up to ``maximumSpareBatches`` of them, and ``maximumSpareBytes`` of storage in
/// all. Storage beyond either bound (a batch that held one very large event, say) is released.
///
/// A small batch (fewer than ``minimumBatchCount`` events and ``minimumBatchBytes`` bytes) joins
/// the newest queued batch instead, by copying, when that one is small too, so a stream of one
/// event per network chunk queues a few batches rather than one per event; a large batch is
/// never copied on the way in.
struct EventBatchQueue {
    /// Below this many events (and ``minimumBatchBytes``), a batch is small: it joins a small
    /// newest batch instead of being queued on its own.
    static let minimumBatchCount = 256
    /// Below this many bytes (and ``minimumBatchCount`` events), a batch is small: it joins a
    /// small newest batch instead of being queued on its own.
    static let minimumBatchBytes = 16 * 1024
    /// The most emptied batches kept for reuse: 8, enough for the burst in which the reader of the
    /// network refills half of the default buffer (8,192 events) from 64 KiB network chunks.
    static let maximumSpareBatches = 8
    /// The most storage, in bytes, the kept batches take in all: 4 MiB.
    static let maximumSpareBytes = 4 * 1024 * 1024

    /// The queued batches from ``head`` on; those before it were taken.
    private var batches: [EventBatch] = []
    private var head = 0
    /// Emptied storage from batches readers finished with, for the next batches queued.
    private var spares: [EventBatch] = []
    /// The storage the ``spares`` take, in bytes.
    private(set) var spareBytes = 0
    /// How many emptied batches are kept for reuse.
    var spareCount: Int { spares.count }

    /// How many events are queued.
    private(set) var count = 0
    /// What the queued events count against the byte budget.
    private(set) var bytes = 0

    /// Queues every event of `batch`, leaving it empty, with storage to fill again.
    mutating func append(_ batch: inout EventBatch) {
        guard !batch.isEmpty else { return }
        count &+= batch.count
        bytes &+= batch.bytes
        if batch.isSmall, let last = newestSmallBatch() {
            batches[last].append(batch, range: 0..<batch.count)
            batch.removeAll()
            return
        }
        var queued = takeSpare()
        swap(&queued, &batch)
        batches.append(queued)
    }

    /// Queues copies of the events of `batch` in `range`.
    mutating func append(_ batch: EventBatch, range: Range<Int>) {
        guard !range.isEmpty else { return }
        count &+= range.count
        if let last = newestSmallBatch() {
            let before = batches[last].bytes
            batches[last].append(batch, range: range)
            bytes &+= batches[last].bytes &- before
            return
        }
        var queued = takeSpare()
        queued.append(batch, range: range)
        bytes &+= queued.bytes
        batches.append(queued)
    }

    /// Puts `batch`'s events back in front of every queued one, leaving it empty.
    mutating func prepend(_ batch: inout EventBatch) {
        guard !batch.isEmpty else { return }
        count &+= batch.count
        bytes &+= batch.bytes
        var returned = EventBatch()
        swap(&returned, &batch)
        if head > 0 {
            head -= 1
            batches[head] = returned
        } else {
            batches.insert(returned, at: 0)
        }
    }

    /// Moves the oldest events into `batch`, which must be empty: the whole oldest batch when it
    /// holds at most `countLimit` events and `byteLimit` bytes, else as many of its first events
    /// as stay within both, and at least one.
    ///
    /// - Returns: How many events were taken, and what they count against the byte budget.
    mutating func takeOldest(into batch: inout EventBatch, countLimit: Int, byteLimit: Int) -> (count: Int, bytes: Int) {
        precondition(count > 0 && batch.isEmpty, "taking from an empty queue, or into a batch that is not empty")
        var taken = batches[head].count
        var takenBytes = batches[head].bytes
        if taken <= countLimit && takenBytes <= byteLimit {
            // The reader's emptied storage becomes a spare; the slot is left without storage.
            var emptied = EventBatch()
            swap(&emptied, &batch)
            swap(&batch, &batches[head])
            keepSpare(emptied)
            head += 1
            if head == batches.count {
                batches.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 16 && head * 2 >= batches.count {
                batches.removeFirst(head)
                head = 0
            }
        } else {
            taken = 1
            takenBytes = batches[head].size(at: 0)
            let most = min(batches[head].count, countLimit)
            while taken < most, takenBytes &+ batches[head].size(at: taken) <= byteLimit {
                takenBytes &+= batches[head].size(at: taken)
                taken += 1
            }
            batch.append(batches[head], range: 0..<taken)
            batches[head].removeFirst(taken)
        }
        count &-= taken
        bytes &-= takenBytes
        return (taken, takenBytes)
    }

    /// Drops every queued event, and releases the spare storage.
    mutating func removeAll() {
        batches.removeAll()
        head = 0
        count = 0
        bytes = 0
        spares.removeAll()
        spareBytes = 0
    }

    /// Emptied storage for the next batch, or a batch without storage when none is kept.
    private mutating func takeSpare() -> EventBatch {
        guard let spare = spares.popLast() else { return EventBatch() }
        spareBytes &-= spare.storageBytes
        return spare
    }

    /// Keeps `batch`'s storage for reuse if it fits the bounds, else releases it.
    private mutating func keepSpare(_ batch: consuming EventBatch) {
        batch.removeAll()
        let size = batch.storageBytes
        guard size > 0, spares.count < Self.maximumSpareBatches, spareBytes &+ size <= Self.maximumSpareBytes else { return }
        spareBytes &+= size
        spares.append(batch)
    }

    /// The index of the newest queued batch if it is small enough to take more events.
    private func newestSmallBatch() -> Int? {
        guard batches.count > head else { return nil }
        let last = batches.count - 1
        return batches[last].isSmall ? last : nil
    }
}

extension EventBatch {
    /// Whether an ``EventBatchQueue`` copies the batch into its newest one rather than queue it
    /// on its own: fewer than ``EventBatchQueue/minimumBatchCount`` events, and fewer than
    /// ``EventBatchQueue/minimumBatchBytes`` bytes.
    fileprivate var isSmall: Bool {
        count < EventBatchQueue.minimumBatchCount && bytes < EventBatchQueue.minimumBatchBytes
    }
}
