/// Writes events and comments in the Server-Sent Events wire format, byte for byte as Go's
/// `eventsource.Encoder` does.
///
/// An event becomes `id: ID\n` (omitted when empty), `event: TYPE\n` (omitted when empty),
/// `retry: MS\n` (only when asked for), one `data: LINE\n` per line of data (always at least
/// one, so empty data is `data: \n`), and a blank line. A comment becomes `:TEXT\n`. CR, LF
/// and CRLF inside data all start a new `data:` line, so the receiver sees LF.
///
/// Encode an event once and send the same bytes to every subscriber. Compression is not the
/// encoder's business: feed its output through a compressor (SSETransport has gzip).
public struct EventEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Encodes one event.
    ///
    /// - Parameters:
    ///   - event: The event to encode.
    ///   - retry: A reconnection delay to announce in the same block, in whole milliseconds.
    /// - Returns: The event's bytes, ending with the blank line that dispatches it.
    /// - Throws: ``EventStreamError/invalidField(_:)`` when the id breaks ``EventIDRule`` (so
    ///   that every id written can come back as `Last-Event-ID`), or the event type contains CR
    ///   or LF.
    public func encode(_ event: some ServerSentEvent, retry: Duration? = nil) throws(EventStreamError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(event, retry: retry, into: &bytes)
        return bytes
    }

    /// Appends one encoded event to a buffer.
    ///
    /// - Parameters:
    ///   - event: The event to encode.
    ///   - retry: A reconnection delay to announce in the same block, in whole milliseconds.
    ///   - buffer: The buffer to append to; left unchanged when this throws.
    /// - Throws: ``EventStreamError/invalidField(_:)`` as ``encode(_:retry:)`` does.
    public func encode(
        _ event: some ServerSentEvent,
        retry: Duration? = nil,
        into buffer: inout [UInt8]
    ) throws(EventStreamError) {
        let id = event.id
        let type = event.event
        let data = event.data
        guard EventIDRule.accepts(id) else { throw .invalidField("id") }
        guard !type.utf8.contains(where: { $0 == .lf || $0 == .cr }) else { throw .invalidField("event") }

        buffer.reserveCapacity(buffer.count + id.utf8.count + type.utf8.count + data.utf8.count + 32)
        if !id.isEmpty { buffer.appendField("id: ", id) }
        if !type.isEmpty { buffer.appendField("event: ", type) }
        if let retry { buffer.appendField("retry: ", String(retry.wholeMilliseconds)) }
        buffer.appendDataLines(data)
        buffer.append(.lf)
    }

    /// Encodes a comment line, which clients ignore (servers use them as heartbeats).
    ///
    /// - Parameter text: The comment; may be empty.
    /// - Returns: `:TEXT\n`.
    /// - Throws: ``EventStreamError/invalidField(_:)`` when the text contains CR or LF.
    public func encodeComment(_ text: String) throws(EventStreamError) -> [UInt8] {
        guard !text.utf8.contains(where: { $0 == .lf || $0 == .cr }) else { throw .invalidField("comment") }
        var bytes: [UInt8] = [.colon]
        bytes.append(contentsOf: text.utf8)
        bytes.append(.lf)
        return bytes
    }

    /// Encodes a block that only sets the client's reconnection delay.
    ///
    /// - Parameter retry: The delay, sent in whole milliseconds.
    /// - Returns: `retry: MS\n\n`.
    public func encodeRetry(_ retry: Duration) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendField("retry: ", String(retry.wholeMilliseconds))
        bytes.append(.lf)
        return bytes
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down, never negative.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : millis + attoseconds / 1_000_000_000_000_000
    }
}

extension [UInt8] {
    mutating func appendStatic(_ text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func appendField(_ prefix: StaticString, _ value: String) {
        appendStatic(prefix)
        append(contentsOf: value.utf8)
        append(.lf)
    }

    /// Appends `data: LINE\n` for every line of `data`, splitting at CR, LF and CRLF.
    mutating func appendDataLines(_ data: String) {
        var data = data
        data.withUTF8 { utf8 in
            var lineStart = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte == .lf || byte == .cr {
                    appendDataLine(UnsafeBufferPointer(rebasing: utf8[lineStart..<index]))
                    if byte == .cr, index + 1 < utf8.count, utf8[index + 1] == .lf { index += 1 }
                    lineStart = index + 1
                }
                index += 1
            }
            appendDataLine(UnsafeBufferPointer(rebasing: utf8[lineStart..<utf8.count]))
        }
    }

    private mutating func appendDataLine(_ line: UnsafeBufferPointer<UInt8>) {
        appendStatic("data: ")
        append(contentsOf: line)
        append(.lf)
    }
}

extension UInt8 {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let colon: UInt8 = 0x3A
    static let space: UInt8 = 0x20
}
