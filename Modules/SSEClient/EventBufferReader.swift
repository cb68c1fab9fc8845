/// The consuming end of an ``EventBuffer``, one per iterator: takes queued items in batches,
/// one lock per batch, and hands them out one by one without locking or suspending.
///
/// What it took counts against the buffer's bounds until it asks for more after the last one,
/// or goes away; so the reader of the network reports an error only after the consumer has
/// finished with every event before it. Copies of a reader share its batch. When the last copy
/// goes away, the items it took but did not hand out go back to the buffer for the next reader:
/// dropping an iterator loses no event.
struct EventBufferReader<Element: Sendable> {
    /// The reader's batch and its registration with the buffer.
    private final class Holder {
        let buffer: EventBuffer<Element>
        let id: Int
        /// The items taken and not yet handed out, newest first, so the next one is removed from
        /// the end without moving the others.
        var batch = EventBatch<Element>()

        init(buffer: EventBuffer<Element>) {
            self.buffer = buffer
            self.id = buffer.register()
        }

        deinit {
            buffer.leave(reader: id, returning: &batch)
        }
    }

    private let holder: Holder

    /// Creates a reader of `buffer`.
    init(buffer: EventBuffer<Element>) {
        holder = Holder(buffer: buffer)
    }

    /// Returns the next item, waiting for one; `nil` once the buffer is finished and empty, or
    /// when the task is cancelled while nothing is queued. A taken or queued item comes back at
    /// once, without suspending or leaving the caller's isolation.
    ///
    /// - Parameter actor: The caller's isolation, where the call runs.
    mutating func next(isolation actor: isolated (any Actor)? = #isolation) async -> Element? {
        if let item = holder.batch.popLast() { return item }
        guard await holder.buffer.take(into: &holder.batch, reader: holder.id) else { return nil }
        holder.batch.reverse()
        return holder.batch.popLast()
    }
}
