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
/// The decoder looks for line ends eight bytes at a time (and with `memchr` in long lines), keeps
/// single-line field values as ranges of its input instead of copying them, and builds `String`s
/// only in ``next()``. ``nextView(_:)`` and ``forEachAvailableView(_:)`` build none, and
/// ``append(upTo:from:)`` lets a reader fill the decoder's buffer directly: together the fastest
/// way to read a stream. Memory is bounded by ``Configuration/maximumEventSize``.
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
    public var lastEventID: String {
        lastEventIDString ?? String(decoding: committedLastEventID.bytes(in: buffer), as: UTF8.self)
    }

    /// How many complete lines (comments and blank lines included) have been read so far.
    ///
    /// A read timeout watches this: every complete line proves the stream is alive.
    public internal(set) var completedLines = 0

    // The state below is internal so the line scanner (EventStreamDecoder+Lines.swift) can reach it.
    var buffer = ByteBuffer()
    var readIndex = 0
    var carriageReturns = ByteSearch()
    var startOfStream = true
    var skipsLeadingLF = false
    var inputEnded = false
    var failed = false
    var block = PendingBlock()
    var blockDispatched = false
    var committedLastEventID: FieldBytes
    var eventTypes = CachedString()
    /// `committedLastEventID` as a `String`, when it has been built since the last change.
    var lastEventIDString: String?

    /// Creates a decoder.
    ///
    /// - Parameter configuration: The decoder's settings.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.committedLastEventID = FieldBytes(configuration.lastEventID.utf8)
        self.lastEventIDString = configuration.lastEventID
    }

    /// Adds bytes read from the stream.
    ///
    /// - Parameter bytes: The next chunk, of any size; contiguous collections are copied in bulk.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        precondition(!inputEnded, "EventStreamDecoder.append(_:) called after finish()")
        compact()
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buffer.append($0) }
        if copied == nil { buffer.append(contentsOf: bytes) }
    }

    /// Adds bytes by letting `read` write them straight into the decoder's buffer, which saves
    /// copying each chunk once more; for reading from a file descriptor or socket.
    ///
    /// ```swift
    /// let count = try decoder.append(upTo: 65_536) { buffer in
    ///     read(descriptor, buffer.baseAddress, buffer.count)   // handle -1 by throwing
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - maximumCount: The most bytes `read` may write.
    ///   - read: Receives room for `maximumCount` bytes and returns how many it wrote, from 0
    ///     up to `maximumCount` (anything else stops the program).
    /// - Returns: What `read` returned.
    /// - Throws: What `read` throws; the decoder then keeps none of the bytes.
    @discardableResult
    public mutating func append<Failure: Error>(
        upTo maximumCount: Int,
        from read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int
    ) throws(Failure) -> Int {
        precondition(!inputEnded, "EventStreamDecoder.append(upTo:from:) called after finish()")
        compact()
        return try buffer.append(upTo: maximumCount, from: read)
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
        try advance().map { output(for: $0) }
    }

    /// Reads the next output like ``next()``, but hands it to `body` as bytes borrowed from the
    /// decoder instead of building `String`s: the fastest way to forward, filter or count events.
    ///
    /// - Parameter body: Receives the output; the buffers it sees are valid only during the call.
    /// - Returns: `true` when `body` was called, `false` when more input is needed or the stream ended.
    /// - Throws: As ``next()`` does.
    public mutating func nextView(_ body: (OutputView) -> Void) throws(EventStreamError) -> Bool {
        guard let found = try advance() else { return false }
        body(view(for: found))
        return true
    }

    /// Hands every output the input appended so far holds to `body`, in order, as repeated
    /// ``nextView(_:)`` calls would, and returns when more input is needed (or, after
    /// ``finish()``, at the end of the stream).
    ///
    /// The decoder stays in its inner loop from one event to the next, so this is the fastest
    /// way to read a stream.
    ///
    /// - Parameter body: Receives each output; the buffers it sees are valid only during the call.
    /// - Throws: As ``next()`` does; outputs before the failure have been handed to `body`.
    public mutating func forEachAvailableView(_ body: (OutputView) -> Void) throws(EventStreamError) {
        _ = try deliverAll { decoder, found in
            body(decoder.view(for: found))
            return true
        }
    }

    /// Hands the outputs the input appended so far holds to `body` as borrowed bytes, in order,
    /// like ``forEachAvailableView(_:)``, until `body` returns `false`. (A name of its own keeps
    /// trailing closures unambiguous.)
    ///
    /// - Parameter body: Receives each output (valid only during the call); returns `false` to
    ///   stop after it, leaving the outputs after it for the next call.
    /// - Returns: `false` when `body` stopped the loop, `true` when the input was used up.
    /// - Throws: As ``next()`` does; outputs before the failure have been handed to `body`.
    public mutating func scanAvailableViews(while body: (OutputView) -> Bool) throws(EventStreamError) -> Bool {
        try deliverAll { decoder, found in body(decoder.view(for: found)) }
    }

    /// Hands the outputs the input appended so far holds to `body`, in order, as repeated
    /// ``next()`` calls would, until `body` returns `false` or more input is needed (or, after
    /// ``finish()``, the stream ended).
    ///
    /// The decoder stays in its inner loop from one event to the next, and each output is handed
    /// over to keep, not copied: the fastest way to read a stream's events as values.
    ///
    /// - Parameter body: Receives each output; returns `false` to stop after it, leaving the
    ///   outputs after it for the next call.
    /// - Returns: `false` when `body` stopped the loop, `true` when the input was used up.
    /// - Throws: As ``next()`` does; outputs before the failure have been handed to `body`.
    public mutating func forEachAvailableOutput(while body: (consuming Output) -> Bool) throws(EventStreamError) -> Bool {
        try deliverAll { decoder, found in body(decoder.output(for: found)) }
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

    /// What `found` holds, as a value to keep.
    private mutating func output(for found: Found) -> Output {
        switch found {
        case .event: .event(makeMessageEvent())
        case .comment(let start, let end): .comment(String(decoding: buffer.bytes(from: start, to: end), as: UTF8.self))
        case .retry(let retry): .retry(retry)
        }
    }

    /// What `found` holds, as bytes borrowed from the decoder.
    private func view(for found: Found) -> OutputView {
        switch found {
        case .event: .event(dispatchedEventView())
        case .comment(let start, let end): .comment(buffer.bytes(from: start, to: end))
        case .retry(let retry): .retry(retry)
        }
    }

    /// The block just dispatched, as borrowed bytes.
    func dispatchedEventView() -> EventView {
        EventView(
            id: block.hasID ? block.id.bytes(in: buffer) : UnsafeBufferPointer(start: nil, count: 0),
            event: block.eventType.bytes(in: buffer),
            data: block.data.bytes(in: buffer),
            lastEventID: committedLastEventID.bytes(in: buffer),
            retry: block.retry
        )
    }

    /// Builds the `MessageEvent` for the block just dispatched.
    private mutating func makeMessageEvent() -> MessageEvent {
        let lastEventID = lastEventIDString ?? String(decoding: committedLastEventID.bytes(in: buffer), as: UTF8.self)
        lastEventIDString = lastEventID
        let type = eventTypes.string(for: block.eventType.bytes(in: buffer))
        let data = String(decoding: block.data.bytes(in: buffer), as: UTF8.self)
        return MessageEvent(
            id: block.hasID ? lastEventID : "", event: type, data: data,
            lastEventID: lastEventID, retry: block.retry
        )
    }
}
