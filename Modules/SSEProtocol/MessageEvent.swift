/// One event read from a Server-Sent Events stream, as ``EventStreamDecoder`` produces it.
///
/// It carries the block's own fields and the stream state the WHATWG parsing rules attach to
/// it: the stream's last event ID (which persists across events until an `id:` changes it)
/// and the reconnection delay if the block carried a valid `retry:` field.
public struct MessageEvent: ServerSentEvent, Hashable {
    /// The value of this block's own `id:` field, or the empty string when it had none.
    public var id: String

    /// The value of the block's `event:` field, or the empty string when it had none.
    ///
    /// See ``type`` for the name a browser would dispatch.
    public var event: String

    /// The block's `data:` lines joined with LF (U+000A).
    public var data: String

    /// The stream's last event ID at the time of this event: the newest `id:` value seen so
    /// far, whether or not this block carried one; the empty string after an empty `id:`.
    public var lastEventID: String

    /// The reconnection delay the block's `retry:` field asked for, if it had a valid one.
    public var retry: Duration?

    /// The event type a browser dispatches: ``event``, or `"message"` when that is empty.
    public var type: String { event.isEmpty ? "message" : event }

    /// Creates an event.
    ///
    /// - Parameters:
    ///   - id: The event's own identifier; empty for none.
    ///   - event: The event type; empty for none.
    ///   - data: The payload.
    ///   - lastEventID: The stream's last event ID; defaults to `id`.
    ///   - retry: The reconnection delay to announce with the event, if any.
    public init(
        id: String = "",
        event: String = "",
        data: String,
        lastEventID: String? = nil,
        retry: Duration? = nil
    ) {
        self.id = id
        self.event = event
        self.data = data
        self.lastEventID = lastEventID ?? id
        self.retry = retry
    }
}
