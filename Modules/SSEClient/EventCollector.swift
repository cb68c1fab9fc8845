import SSEProtocol

/// Sorts the outputs of one connection as the decoder lends them: events into the batch for the
/// buffer, retry values aside, until a comment, a terminator or an error event interrupts the
/// network chunk, to be acted on once the events before it are handed over.
///
/// A class, so the reader's per-event closure captures one reference instead of mutable locals,
/// which would cost an exclusivity check per access. Only the reading task touches it.
final class EventCollector {
    /// What stops a chunk's batch early.
    enum Interruption {
        /// The one-shot stream's terminator: the stream ends, the event is not delivered.
        case terminator
        /// The one-shot stream's error event: the stream ends with it.
        case errorEvent(MessageEvent)
        /// A comment, for the comment handler once the consumer has every event before it.
        case comment(String)
    }

    /// The events collected and not yet handed to the buffer.
    @exclusivity(unchecked) var pending = EventBatch()
    /// What stopped the current chunk, if anything.
    @exclusivity(unchecked) var interruption: Interruption?
    /// The newest `retry:` value.
    @exclusivity(unchecked) var retry: Duration?
    private let terminator: EventSource.Terminator?
    private let errorEventType: String?

    /// Creates a collector for a stream that ends as `completion` says.
    init(completion: EventSource.Completion) {
        terminator = completion.terminator
        errorEventType = completion.errorEventType
    }

    /// Takes one output.
    ///
    /// - Returns: `false` when it interrupts the chunk (see ``interruption``).
    func collect(_ output: OutputView) -> Bool {
        switch output {
        case .event(let event):
            if let terminator, terminator.matches(event) {
                interruption = .terminator
                return false
            }
            if let errorEventType, event.hasType(errorEventType) {
                interruption = .errorEvent(MessageEvent(event))
                return false
            }
            pending.append(event)
        case .comment(let text):
            interruption = .comment(String(decoding: text, as: UTF8.self))
            return false
        case .retry(let delay):
            retry = delay
        }
        return true
    }
}
