/// An error reading or writing the Server-Sent Events wire format.
///
/// Compare with the static members, for example `error == .unexpectedEnd`; the set of codes
/// can grow without breaking your `switch`.
public struct EventStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case unexpectedEnd
        case eventTooLarge
        case readTimeout
        case invalidField
    }

    private let code: Code

    /// Extra context: the limit that was exceeded, or the field that was refused.
    public let detail: String

    private init(_ code: Code, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// The input ended in the middle of an event (Go: `io.ErrUnexpectedEOF`); the partial
    /// event was discarded.
    public static let unexpectedEnd = EventStreamError(.unexpectedEnd)

    /// No complete line arrived within the read timeout (Go: `ErrReadTimeout`).
    public static let readTimeout = EventStreamError(.readTimeout)

    /// An event grew beyond the decoder's maximum size.
    ///
    /// - Parameter limit: The configured maximum, in bytes.
    public static func eventTooLarge(limit: Int) -> EventStreamError {
        EventStreamError(.eventTooLarge, detail: "\(limit)")
    }

    /// A field the encoder was asked to write would break the stream's framing.
    ///
    /// - Parameter field: The field's name (`id`, `event` or `comment`).
    public static func invalidField(_ field: String) -> EventStreamError {
        EventStreamError(.invalidField, detail: field)
    }

    /// Whether two errors have the same code, ignoring their detail.
    ///
    /// - Parameter other: The error to compare with.
    /// - Returns: `true` when both are, say, ``eventTooLarge(limit:)`` errors.
    public func hasSameCode(as other: EventStreamError) -> Bool { code == other.code }

    public var description: String {
        switch code {
        case .unexpectedEnd:
            "the event stream ended in the middle of an event; the partial event was discarded"
        case .readTimeout:
            "read timeout on stream: no complete line arrived within the configured interval"
        case .eventTooLarge:
            "an event exceeded the maximum event size of \(detail) bytes"
        case .invalidField:
            "the \(detail) field contains a line break or NUL, which would break the stream's framing"
        }
    }
}
