/// Compresses one response body as it streams, so that every flushed piece is readable by the
/// peer at once.
///
/// One compressor serves one response and is used from one context at a time (the
/// responder's), so implementations need not be thread-safe.
///
/// Implementations must guarantee that the output of every ``compress(_:)`` call, appended to
/// the output of the calls before it, decodes to exactly the input so far (a "sync flush"
/// after every call), and that ``finish()`` ends the compressed stream.
public protocol StreamCompressor: AnyObject {
    /// The `Content-Encoding` value the compressed body is sent with, for example `gzip`.
    var contentEncoding: String { get }

    /// Compresses the next piece of the body and flushes it.
    ///
    /// - Parameter bytes: The uncompressed bytes.
    /// - Returns: Compressed bytes to send, ending on a flush point.
    /// - Throws: When the compressor fails; the response should then be closed.
    func compress(_ bytes: [UInt8]) throws -> [UInt8]

    /// Ends the compressed stream.
    ///
    /// - Returns: The last bytes to send (for gzip, the trailer).
    /// - Throws: When the compressor fails.
    func finish() throws -> [UInt8]
}
