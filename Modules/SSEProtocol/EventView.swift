/// One output of ``EventStreamDecoder/nextView(_:)``, with its text as borrowed UTF-8 bytes.
///
/// The buffers belong to the decoder and are valid only inside the closure that receives them.
public enum OutputView {
    /// A dispatched event.
    case event(EventView)
    /// A comment line's bytes after the colon (only with ``EventStreamDecoder/Configuration/reportsComments``).
    case comment(UnsafeBufferPointer<UInt8>)
    /// A valid `retry:` field.
    case retry(Duration)
}

/// A dispatched event's fields as the raw UTF-8 bytes the stream carried (not yet validated:
/// building a `String` from them repairs invalid sequences as ``MessageEvent`` does).
public struct EventView {
    /// The block's own `id:` value; empty when it had none.
    public let id: UnsafeBufferPointer<UInt8>
    /// The block's `event:` value; empty when it had none (the type is then `message`).
    public let event: UnsafeBufferPointer<UInt8>
    /// The `data:` lines joined with LF.
    public let data: UnsafeBufferPointer<UInt8>
    /// The stream's last event ID.
    public let lastEventID: UnsafeBufferPointer<UInt8>
    /// The block's valid `retry:` value, if any.
    public let retry: Duration?
}

extension MessageEvent {
    /// Creates the event a view shows, building its strings (invalid UTF-8 is repaired).
    ///
    /// - Parameter view: The event's bytes, as the decoder lent them.
    public init(_ view: EventView) {
        self.init(
            id: String(decoding: view.id, as: UTF8.self),
            event: String(decoding: view.event, as: UTF8.self),
            data: String(decoding: view.data, as: UTF8.self),
            lastEventID: String(decoding: view.lastEventID, as: UTF8.self),
            retry: view.retry
        )
    }
}
