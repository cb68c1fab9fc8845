#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An incremental Server-Sent Events parser that follows the WHATWG "Server-sent events"
/// parsing rules.
///
/// Feed it byte chunks of any size with ``append(_:)``, then call ``next()`` until it returns
/// `nil`; at the end of input call ``finish()`` and drain ``next()`` once more:
///
/// ```swift
/// var decoder = EventStreamDecoder()
/// for chunk in chunks {
///     decoder.append(chunk)
///     while let output = try decoder.next() { handle(output) }
/// }
/// decoder.finish()
/// while let output = try decoder.next() { handle(output) }   // throws .unexpectedEnd on a partial event
/// ```
///
/// The rules: a leading UTF-8 byte order mark is dropped (only at the start of the stream);
/// lines end in CRLF, LF or CR, also when a CR ends one chunk and the LF starts the next; a line
/// starting with `:` is a comment; `name: value` loses one leading space of the value; a line
/// without a colon is a field with an empty value; `data` lines join with LF; a blank line
/// dispatches; `id` values containing NUL are ignored; `retry` is used only when all ASCII
/// digits; unknown fields are ignored; invalid UTF-8 becomes U+FFFD.
///
/// A block whose data buffer is empty (no `data:` line) is not dispatched, as the spec says; it
/// still commits its `id:` to ``lastEventID``. Go's decoder does dispatch such blocks: set
/// ``Configuration/dispatchesBlocksWithoutData`` for that behaviour.
///
/// The decoder scans bytes in bulk (`memchr`) and builds one `String` per field value it keeps,
/// so it costs a few nanoseconds per line. Memory is bounded by
/// ``Configuration/maximumEventSize``.
public struct EventStreamDecoder: Sendable {
    /// Settings for a decoder.
    public struct Configuration: Sendable, Hashable {
        /// The largest event, in bytes of pending line plus data, that the decoder will hold.
        /// Defaults to 4 MiB.
        public var maximumEventSize: Int

        /// Whether ``next()`` returns comment lines as ``Output/comment(_:)``. Defaults to `false`.
        public var reportsComments: Bool

        /// Whether a block that set fields but had no `data:` line is dispatched with empty data,
        /// as Go's decoder does. Defaults to `false`, the WHATWG behaviour.
        public var dispatchesBlocksWithoutData: Bool

        /// The last event ID the stream starts with, for example the one a reconnecting client
        /// sent as `Last-Event-ID`. Defaults to the empty string.
        public var lastEventID: String

        /// Creates a configuration; every parameter defaults as documented on its property.
        ///
        /// - Parameters:
        ///   - maximumEventSize: The largest event the decoder holds, in bytes.
        ///   - reportsComments: Whether comments are returned.
        ///   - dispatchesBlocksWithoutData: Whether blocks without data are dispatched (Go).
        ///   - lastEventID: The initial last event ID.
        public init(
            maximumEventSize: Int = 4 * 1024 * 1024,
            reportsComments: Bool = false,
            dispatchesBlocksWithoutData: Bool = false,
            lastEventID: String = ""
        ) {
            self.maximumEventSize = maximumEventSize
            self.reportsComments = reportsComments
            self.dispatchesBlocksWithoutData = dispatchesBlocksWithoutData
            self.lastEventID = lastEventID
        }
    }

    /// One thing the decoder read.
    public enum Output: Sendable, Hashable {
        /// A dispatched event.
        case event(MessageEvent)
        /// A comment line's text after the colon (only with ``Configuration/reportsComments``).
        case comment(String)
        /// A valid `retry:` field: the server asks clients to wait this long before reconnecting.
        case retry(Duration)
    }

    /// The configuration the decoder was created with.
    public let configuration: Configuration

    /// The stream's last event ID: the `id:` of the newest dispatched block that had one.
    public var lastEventID: String { committedLastEventID.withBytes { String(decoding: $0, as: UTF8.self) } }

    /// How many complete lines (comments and blank lines included) have been read so far.
    ///
    /// A read timeout watches this: every complete line proves the stream is alive.
    public private(set) var completedLines = 0

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var lineEnds = LineEndCache()
    private var startOfStream = true
    private var skipsLeadingLF = false
    private var inputEnded = false
    private var failed = false
    private var block: PendingBlock
    private var blockDispatched = false
    private var committedLastEventID: ByteField
    private var eventTypes = CachedString()
    /// `committedLastEventID` as a `String`, when it has been built since the last change.
    private var lastEventIDString: String?

    /// Creates a decoder.
    ///
    /// - Parameter configuration: The decoder's settings.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.committedLastEventID = ByteField(configuration.lastEventID.utf8)
        self.lastEventIDString = configuration.lastEventID
        self.block = PendingBlock(lastEventID: committedLastEventID)
    }

    /// Adds bytes read from the stream.
    ///
    /// - Parameter bytes: The next chunk, of any size; contiguous collections are copied in bulk.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        precondition(!inputEnded, "EventStreamDecoder.append(_:) called after finish()")
        compact()
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buffer.append(contentsOf: $0) }
        if copied == nil { buffer.append(contentsOf: bytes) }
    }

    /// Marks the end of input; drain ``next()`` afterwards to learn whether it was clean.
    public mutating func finish() {
        inputEnded = true
    }

    /// Returns the next event, comment or retry value, or `nil` when more input is needed (or,
    /// after ``finish()``, when the stream ended cleanly).
    ///
    /// - Returns: The next output, or `nil`.
    /// - Throws: ``EventStreamError/eventTooLarge(limit:)`` when an event outgrows the limit, and
    ///   after ``finish()``, ``EventStreamError/unexpectedEnd`` when the input stopped in the
    ///   middle of an event. After throwing, the decoder has discarded its input and returns `nil`.
    public mutating func next() throws(EventStreamError) -> Output? {
        switch try advance() {
        case nil: return nil
        case .event: return .event(makeMessageEvent())
        case .comment(let range):
            return .comment(buffer.withUnsafeBufferPointer {
                String(decoding: $0.span(from: range.lowerBound, to: range.upperBound), as: UTF8.self)
            })
        case .retry(let retry): return .retry(retry)
        }
    }

    /// Reads the next output like ``next()``, but hands it to `body` as bytes borrowed from the
    /// decoder instead of building `String`s: the fastest way to forward, filter or count events.
    ///
    /// - Parameter body: Receives the output; the buffers it sees are valid only during the call.
    /// - Returns: `true` when `body` was called, `false` when more input is needed or the stream ended.
    /// - Throws: As ``next()`` does.
    public mutating func nextView(_ body: (OutputView) -> Void) throws(EventStreamError) -> Bool {
        switch try advance() {
        case nil:
            return false
        case .event:
            block.data.withBytes { data in
                block.eventType.withBytes { type in
                    block.id.withBytes { id in
                        committedLastEventID.withBytes { lastEventID in
                            body(.event(EventView(
                                id: id, event: type, data: data, lastEventID: lastEventID, retry: block.retry
                            )))
                        }
                    }
                }
            }
        case .comment(let range):
            buffer.withUnsafeBufferPointer { body(.comment($0.span(from: range.lowerBound, to: range.upperBound))) }
        case .retry(let retry):
            body(.retry(retry))
        }
        return true
    }

    /// Decodes a whole stream at once.
    ///
    /// - Parameter bytes: The complete stream.
    /// - Returns: Everything it contained, in order.
    /// - Throws: As ``next()`` does, including ``EventStreamError/unexpectedEnd``.
    public mutating func decodeAll(_ bytes: some Sequence<UInt8>) throws(EventStreamError) -> [Output] {
        append(bytes)
        finish()
        var outputs: [Output] = []
        while let output = try next() { outputs.append(output) }
        return outputs
    }

    // MARK: - Lines

    /// What ``advance()`` found; an event's fields wait in `block` until the next call.
    private enum Found {
        case event
        case comment(Range<Int>)
        case retry(Duration)
    }

    /// Reads lines until one produces something, or until the available input runs out.
    private mutating func advance() throws(EventStreamError) -> Found? {
        if blockDispatched {
            block.reset()
            blockDispatched = false
        }
        let storage = buffer
        return try storage.withUnsafeBufferPointer { bytes throws(EventStreamError) -> Found? in
            while !failed {
                if startOfStream, !skipByteOrderMark() { return nil }
                if skipsLeadingLF {
                    guard readIndex < bytes.count else { break }
                    if bytes[readIndex] == .lf { readIndex += 1 }
                    skipsLeadingLF = false
                }
                guard let (end, next) = nextLineEnd(in: bytes) else { break }
                let lineStart = readIndex
                readIndex = next
                completedLines += 1
                if let found = try processLine(bytes.span(from: lineStart, to: end), at: lineStart) { return found }
            }
            return try endOfAvailableInput()
        }
    }

    /// Drops a UTF-8 BOM at the very start; returns `false` while too few bytes have arrived to tell.
    private mutating func skipByteOrderMark() -> Bool {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let available = buffer.count - readIndex
        let compared = min(available, 3)
        for offset in 0..<compared where buffer[readIndex + offset] != bom[offset] {
            startOfStream = false
            return true
        }
        if compared == 3 {
            readIndex += 3
            startOfStream = false
            return true
        }
        if inputEnded { startOfStream = false }
        return !startOfStream
    }

    /// Finds the end of the line starting at `readIndex`, and where the line after it starts.
    private mutating func nextLineEnd(in bytes: UnsafeBufferPointer<UInt8>) -> (end: Int, next: Int)? {
        let start = readIndex
        let count = bytes.count
        let lf = lineEnds.lf.position(of: .lf, from: start, in: bytes)
        if let cr = lineEnds.cr.position(of: .cr, from: start, in: bytes), cr < lf ?? count {
            if cr + 1 < count { return (cr, bytes[cr + 1] == .lf ? cr + 2 : cr + 1) }
            skipsLeadingLF = true
            return (cr, cr + 1)
        }
        if let lf { return (lf, lf + 1) }
        return nil
    }

    /// Decides what happens when no complete line is left: wait for more, or end the stream.
    private mutating func endOfAvailableInput() throws(EventStreamError) -> Found? {
        if failed { return nil }
        let pendingLine = buffer.count - readIndex
        if pendingLine + block.data.count > configuration.maximumEventSize {
            fail()
            throw .eventTooLarge(limit: configuration.maximumEventSize)
        }
        guard inputEnded else { return nil }
        let partial = pendingLine > 0 || block.hasFields
        fail()
        if partial { throw .unexpectedEnd }
        return nil
    }

    private mutating func fail() {
        failed = true
        buffer = []
        readIndex = 0
        lineEnds = LineEndCache()
        block.reset()
    }

    /// Moves unread bytes to the front once the read part dominates, keeping capacity.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
        } else {
            return
        }
        lineEnds.shift(by: readIndex)
        readIndex = 0
    }

    // MARK: - Fields

    private mutating func processLine(
        _ line: UnsafeBufferPointer<UInt8>,
        at offset: Int
    ) throws(EventStreamError) -> Found? {
        if line.isEmpty { return dispatch() }
        if line[0] == .colon {
            guard configuration.reportsComments else { return nil }
            return .comment(offset + 1..<offset + line.count)
        }
        block.hasFields = true
        let colon = line.firstIndex(ofByte: .colon)
        let name = line.span(from: 0, to: colon ?? line.count)
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count, line[valueStart] == .space { valueStart += 1 }
        return try processField(name: FieldName(name), value: line.span(from: valueStart, to: line.count))
    }

    private mutating func processField(
        name: FieldName?,
        value: UnsafeBufferPointer<UInt8>
    ) throws(EventStreamError) -> Found? {
        switch name {
        case .data:
            guard block.data.count + value.count + 1 <= configuration.maximumEventSize else {
                fail()
                throw .eventTooLarge(limit: configuration.maximumEventSize)
            }
            block.data.append(value)
            block.data.append(.lf)
        case .event:
            block.eventType.set(to: value)
        case .id:
            guard value.firstIndex(ofByte: 0) == nil else { return nil }
            block.id.set(to: value)
            block.hasID = true
            block.lastEventID.set(to: value)
            block.lastEventIDChanged = true
        case .retry:
            guard let milliseconds = Int64(asciiDigits: value) else { return nil }
            let retry = Duration.milliseconds(milliseconds)
            block.retry = retry
            return .retry(retry)
        case nil:
            break
        }
        return nil
    }

    /// Commits the last event ID and reports an event unless the block had no data.
    private mutating func dispatch() -> Found? {
        if block.lastEventIDChanged {
            committedLastEventID.set(to: block.lastEventID)
            block.lastEventIDChanged = false
            lastEventIDString = nil
        }
        if block.data.isEmpty {
            guard configuration.dispatchesBlocksWithoutData, block.hasFields else {
                block.reset()
                return nil
            }
        } else {
            block.data.removeLast()
        }
        blockDispatched = true
        return .event
    }

    /// Builds the `MessageEvent` for the block just dispatched.
    private mutating func makeMessageEvent() -> MessageEvent {
        let lastEventID = lastEventIDString ?? committedLastEventID.withBytes { String(decoding: $0, as: UTF8.self) }
        lastEventIDString = lastEventID
        let type = block.eventType.withBytes { eventTypes.string(for: $0) }
        let data = block.data.withBytes { String(decoding: $0, as: UTF8.self) }
        return MessageEvent(
            id: block.hasID ? lastEventID : "", event: type, data: data,
            lastEventID: lastEventID, retry: block.retry
        )
    }
}
