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
    public private(set) var lastEventID: String

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

    /// Creates a decoder.
    ///
    /// - Parameter configuration: The decoder's settings.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.lastEventID = configuration.lastEventID
        self.block = PendingBlock(lastEventID: configuration.lastEventID)
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
        let storage = buffer
        return try storage.withUnsafeBufferPointer { bytes throws(EventStreamError) -> Output? in
            while !failed {
                if startOfStream, !skipByteOrderMark() { return nil }
                if skipsLeadingLF {
                    guard readIndex < bytes.count else { break }
                    if bytes[readIndex] == .lf { readIndex += 1 }
                    skipsLeadingLF = false
                }
                guard let (end, next) = nextLineEnd(in: bytes) else { break }
                let line = UnsafeBufferPointer(rebasing: bytes[readIndex..<end])
                readIndex = next
                completedLines += 1
                if let output = try processLine(line) { return output }
            }
            return try endOfAvailableInput()
        }
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
        let lf = lineEnds.lf.position(of: .lf, from: start, before: count, in: bytes)
        if let cr = lineEnds.cr.position(of: .cr, from: start, before: lf ?? count, in: bytes) {
            if cr + 1 < count { return (cr, bytes[cr + 1] == .lf ? cr + 2 : cr + 1) }
            skipsLeadingLF = true
            return (cr, cr + 1)
        }
        if let lf { return (lf, lf + 1) }
        return nil
    }

    /// Decides what happens when no complete line is left: wait for more, or end the stream.
    private mutating func endOfAvailableInput() throws(EventStreamError) -> Output? {
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

    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>) throws(EventStreamError) -> Output? {
        if line.isEmpty { return dispatch() }
        if line[0] == .colon {
            guard configuration.reportsComments else { return nil }
            return .comment(String(decoding: UnsafeBufferPointer(rebasing: line[1...]), as: UTF8.self))
        }
        block.hasFields = true
        let colon = line.firstIndex(ofByte: .colon)
        let name = UnsafeBufferPointer(rebasing: line[..<(colon ?? line.count)])
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count, line[valueStart] == .space { valueStart += 1 }
        return try processField(name: FieldName(name), value: UnsafeBufferPointer(rebasing: line[valueStart...]))
    }

    private mutating func processField(
        name: FieldName?,
        value: UnsafeBufferPointer<UInt8>
    ) throws(EventStreamError) -> Output? {
        switch name {
        case .data:
            guard block.data.count + value.count + 1 <= configuration.maximumEventSize else {
                fail()
                throw .eventTooLarge(limit: configuration.maximumEventSize)
            }
            block.data.append(contentsOf: value)
            block.data.append(.lf)
        case .event:
            block.eventType.set(value)
        case .id:
            guard value.firstIndex(ofByte: 0) == nil else { return nil }
            block.lastEventID = String(decoding: value, as: UTF8.self)
            block.id = block.lastEventID
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

    private mutating func dispatch() -> Output? {
        lastEventID = block.lastEventID
        defer { block.reset() }
        if block.data.isEmpty {
            guard configuration.dispatchesBlocksWithoutData, block.hasFields else { return nil }
        } else {
            block.data.removeLast()
        }
        let data = block.data.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        return .event(MessageEvent(
            id: block.id, event: block.eventType.string, data: data,
            lastEventID: lastEventID, retry: block.retry
        ))
    }
}

/// The fields of the block being read, up to its blank line.
private struct PendingBlock: Sendable {
    var data: [UInt8] = []
    var eventType = CachedString()
    var id = ""
    var retry: Duration?
    var hasFields = false
    /// The spec's "last event ID buffer": set by `id:`, committed at dispatch, kept across blocks.
    var lastEventID: String

    init(lastEventID: String) {
        self.lastEventID = lastEventID
    }

    mutating func reset() {
        data.removeAll(keepingCapacity: true)
        eventType.clear()
        id = ""
        retry = nil
        hasFields = false
    }
}

/// A field value kept as a `String`, reused when the next block sends the same bytes (event
/// types repeat, so this saves building the same string for every event).
private struct CachedString: Sendable {
    private var cachedBytes: [UInt8] = []
    private var cached = ""
    private(set) var string = ""

    mutating func set(_ value: UnsafeBufferPointer<UInt8>) {
        if !cachedBytes.elementsEqual(value) {
            cachedBytes = Array(value)
            cached = String(decoding: value, as: UTF8.self)
        }
        string = cached
    }

    mutating func clear() {
        string = ""
    }
}

/// The field names the decoder acts on; anything else is ignored.
private enum FieldName {
    case data, event, id, retry

    init?(_ name: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 2 where name[0] == 0x69 && name[1] == 0x64: self = .id
        case 4 where name.elementsEqual("data".utf8): self = .data
        case 5 where name.elementsEqual("event".utf8): self = .event
        case 5 where name.elementsEqual("retry".utf8): self = .retry
        default: return nil
        }
    }
}

/// Remembers where the next CR and LF are, so each byte of the buffer is searched at most once.
private struct LineEndCache: Sendable {
    var lf = ByteSearch()
    var cr = ByteSearch()

    mutating func shift(by offset: Int) {
        lf.shift(by: offset)
        cr.shift(by: offset)
    }
}

/// The result of the last `memchr` for one byte: where it was found, or how far it was not.
private struct ByteSearch: Sendable {
    private var found = -1
    private var searchedUpTo = 0

    /// The first position of `byte` at or after `start` and before `limit`.
    mutating func position(
        of byte: UInt8,
        from start: Int,
        before limit: Int,
        in bytes: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        if found >= start { return found < limit ? found : nil }
        let from = max(start, searchedUpTo)
        guard from < limit, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), limit - from) else {
            searchedUpTo = limit
            found = -1
            return nil
        }
        found = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
        return found
    }

    mutating func shift(by offset: Int) {
        found = found >= offset ? found - offset : -1
        searchedUpTo = max(0, searchedUpTo - offset)
    }
}

extension UnsafeBufferPointer<UInt8> {
    func firstIndex(ofByte byte: UInt8) -> Int? {
        guard let base = baseAddress, count > 0, let hit = memchr(base, Int32(byte), count) else { return nil }
        return UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
    }
}

extension Int64 {
    /// Parses a non-empty run of ASCII digits; `nil` for anything else or on overflow.
    init?(asciiDigits bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - 0x30))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        self = value
    }
}
