/// Writes one HTTP response: the narrow seam between a server's logic and the HTTP stack that
/// carries it.
///
/// A handler gets a responder per request. It writes the head once, then body bytes, flushing
/// whenever the bytes written so far should reach the peer, and ends with ``finish()`` (or
/// ``close()`` to drop the connection). An event stream keeps the response open and writes for
/// as long as it likes.
///
/// Implementations must guarantee:
/// - ``execute(_:)`` runs work one item at a time, in submission order, on the responder's own
///   serial context, and may be called from any thread;
/// - every other requirement is called only from inside ``execute(_:)`` work (or from the
///   event handler), so an implementation needs no locking of its own;
/// - ``write(_:)`` and ``flush()`` never block: bytes are buffered until the peer takes them, and
///   ``isWritable`` turns `false` while too many are buffered;
/// - the event handler hears ``HTTPServerResponderEvent/writable`` when ``isWritable`` turns
///   `true` again and ``HTTPServerResponderEvent/closed`` once when the connection is gone,
///   whoever closed it; after that, writes are ignored.
public protocol HTTPServerResponder: Sendable {
    /// Runs work on the responder's serial context.
    ///
    /// - Parameter work: The work; it may call the responder's other requirements.
    func execute(_ work: @escaping @Sendable () -> Void)

    /// Sets the function that hears about writability and the end of the connection.
    ///
    /// - Parameter handler: Called on the responder's context; replaces any earlier handler.
    func setEventHandler(_ handler: @escaping @Sendable (HTTPServerResponderEvent) -> Void)

    /// Whether the peer is taking bytes fast enough that writing more is reasonable.
    var isWritable: Bool { get }

    /// Writes the status line and headers; call once, before any body bytes.
    ///
    /// - Parameter head: The head. Without a `Content-Length` the body streams until ``finish()``.
    func writeHead(_ head: HTTPServerResponseHead)

    /// Buffers body bytes for sending.
    ///
    /// - Parameter bytes: The bytes; several writes before one ``flush()`` go out together.
    func write(_ bytes: [UInt8])

    /// Buffers several pieces of body bytes for sending, in order.
    ///
    /// Implementations may override the default, which calls ``write(_:)`` for each piece, to
    /// copy them into their buffer in one go.
    ///
    /// - Parameter pieces: The pieces, for example queued events.
    func write(contentsOf pieces: [[UInt8]])

    /// Sends every buffered byte to the peer.
    func flush()

    /// Ends the response after the bytes written so far. A streamed response also closes the
    /// connection once those bytes are sent.
    func finish()

    /// Closes the connection now, dropping any bytes the peer has not taken.
    func close()
}

/// What a ``HTTPServerResponder`` reports to its event handler.
public enum HTTPServerResponderEvent: Sendable, Hashable {
    /// ``HTTPServerResponder/isWritable`` turned `true` again.
    case writable
    /// The connection is gone: the peer left, or the response was closed.
    case closed
}

extension HTTPServerResponder {
    /// Calls ``write(_:)`` for each piece.
    ///
    /// - Parameter pieces: The pieces, in order.
    public func write(contentsOf pieces: [[UInt8]]) {
        for piece in pieces { write(piece) }
    }

    /// Sends a complete response and ends it.
    ///
    /// - Parameter response: The response; a `Content-Length` header is set from its body.
    public func respond(_ response: HTTPServerResponse) {
        var head = response.head
        head.headers["Content-Length"] = String(response.body.count)
        let completeHead = head
        execute {
            writeHead(completeHead)
            if !response.body.isEmpty { write(response.body) }
            finish()
        }
    }
}
