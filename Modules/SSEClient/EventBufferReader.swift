import SSEProtocol

/// The consuming end of an ``EventBuffer``, one per iterator: takes queued events in batches,
/// one lock per batch, and builds and hands them out one by one without locking or suspending.
///
/// What it took counts against the buffer's bounds until it asks for more after the last one,
/// or goes away; so the reader of the network reports an error only after the consumer has
/// finished with every event before it. Copies of a reader share its batch. When the last copy
/// goes away, the events it took but did not hand out go back to the buffer for the next reader:
/// dropping an iterator loses no event.
@usableFromInline
struct EventBufferReader {
    /// The reader's batch and its registration with the buffer.
    private final class Holder {
        let buffer: EventBuffer
        let id: Int
        /// The events taken and not yet handed out. Only the task that owns the reader touches
        /// it (the holder is not `Sendable`), so accesses skip the exclusivity check.
        @exclusivity(unchecked) var batch = EventBatch()
        @exclusivity(unchecked) var strings = RecentStrings()

        init(buffer: EventBuffer) {
            self.buffer = buffer
            self.id = buffer.register()
        }

        deinit {
            buffer.leave(reader: id, returning: &batch)
        }
    }

    private let holder: Holder

    /// Creates a reader of `buffer`.
    init(buffer: EventBuffer) {
        holder = Holder(buffer: buffer)
    }

    /// Returns the next event taken from the buffer and not handed out yet, without locking or
    /// suspending; `nil` when the reader must ask the buffer for more with ``next(isolation:)``.
    @usableFromInline
    func nextTaken() -> MessageEvent? {
        holder.batch.removeFirst(strings: &holder.strings)
    }

    /// Returns the next event, waiting for one; `nil` once the buffer is finished and empty, or
    /// when the task is cancelled while nothing is queued. A taken or queued event comes back at
    /// once, without suspending or leaving the caller's isolation.
    ///
    /// - Parameter actor: The caller's isolation, where the call runs.
    @usableFromInline
    func next(isolation actor: isolated (any Actor)? = #isolation) async -> MessageEvent? {
        if let event = nextTaken() { return event }
        guard await holder.buffer.take(into: &holder.batch, reader: holder.id) else { return nil }
        return nextTaken()
    }
}
