/// Decodes an asynchronous sequence of byte chunks into the events, comments and retry values
/// it carries.
///
/// Create one with ``_Concurrency/AsyncSequence/serverSentEvents(configuration:readTimeout:)``.
/// The sequence ends normally when the bytes end between events, and throws
/// ``EventStreamError/unexpectedEnd`` when they end in the middle of one. With a read timeout,
/// it throws ``EventStreamError/readTimeout`` when no complete line (comments included) arrives
/// within the interval, as Go's `DecoderOptionReadTimeout` does.
public struct ServerSentEventSequence<Base: AsyncSequence, C: Clock<Duration>>: AsyncSequence, Sendable
where Base: Sendable, Base.AsyncIterator: SendableMetatype, Base.Element: Sequence<UInt8> & Sendable {
    /// What the sequence yields.
    public typealias Element = EventStreamDecoder.Output

    let base: Base
    let configuration: EventStreamDecoder.Configuration
    let readTimeout: Duration?
    let clock: C

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(
            chunks: ChunkSource(base.makeAsyncIterator()),
            decoder: EventStreamDecoder(configuration: configuration),
            readTimeout: readTimeout,
            clock: clock
        )
    }

    /// Reads chunks from the base sequence and returns what the decoder finds in them.
    public struct Iterator: AsyncIteratorProtocol {
        private let chunks: ChunkSource<Base.AsyncIterator>
        private var decoder: EventStreamDecoder
        private let readTimeout: Duration?
        private let clock: C
        private var linesAtDeadline = -1
        private var deadline: C.Instant?
        /// An error met after outputs that a batch returned first; thrown by the next call.
        private var pendingError: (any Error)?
        /// The base sequence ended and the decoder was told.
        private var inputEnded = false

        init(chunks: ChunkSource<Base.AsyncIterator>, decoder: EventStreamDecoder, readTimeout: Duration?, clock: C) {
            self.chunks = chunks
            self.decoder = decoder
            self.readTimeout = readTimeout
            self.clock = clock
        }

        /// The stream's last event ID so far (see ``EventStreamDecoder/lastEventID``).
        public var lastEventID: String { decoder.lastEventID }

        /// Returns the next output.
        ///
        /// - Throws: ``EventStreamError``, or whatever the base sequence throws.
        public mutating func next() async throws -> EventStreamDecoder.Output? {
            if let pendingError {
                self.pendingError = nil
                throw pendingError
            }
            while true {
                if let output = try decoder.next() { return output }
                if let timeout = readTimeout, decoder.completedLines != linesAtDeadline {
                    linesAtDeadline = decoder.completedLines
                    deadline = clock.now.advanced(by: timeout)
                }
                guard let chunk = try await chunks.next(deadline: deadline, clock: clock) else {
                    decoder.finish()
                    return try decoder.next()
                }
                decoder.append(chunk)
            }
        }

        /// Replaces `outputs` with every output that is ready, reading at most until one is: the
        /// outputs of a whole network chunk for one call, which saves a suspension point per
        /// event. An error met after some outputs is thrown by the next call, so no output
        /// before it is lost.
        ///
        /// - Parameter outputs: Emptied, then filled in stream order.
        /// - Returns: `false` at the end of the stream (then `outputs` is empty).
        /// - Throws: As ``next()`` does.
        public mutating func next(batch outputs: inout [EventStreamDecoder.Output]) async throws -> Bool {
            outputs.removeAll(keepingCapacity: true)
            return try await next(each: { output in
                outputs.append(output)
                return true
            })
        }

        /// Reads until an output is ready, then hands the ready outputs to `body` in order, each
        /// to keep, until `body` returns `false` or none is left ready: a whole network chunk's
        /// outputs in one call, from the decoder's inner loop, with no suspension point or copy
        /// per event. An error met after some outputs is thrown by the next call, so no output
        /// before it is lost.
        ///
        /// - Parameter body: Receives each output; returns `false` to stop after it, leaving
        ///   the outputs after it for the next call.
        /// - Returns: `false` at the end of the stream (then `body` was not called).
        /// - Throws: As ``next()`` does.
        public mutating func next(each body: (consuming EventStreamDecoder.Output) -> Bool) async throws -> Bool {
            try await next { decoder, delivered throws(EventStreamError) in
                _ = try decoder.forEachAvailableOutput { output in
                    delivered = true
                    return body(output)
                }
            }
        }

        /// Reads like ``next(each:)``, but hands each output to `body` as bytes borrowed from
        /// the decoder, valid only during the call: for readers that copy the bytes elsewhere
        /// rather than build `String`s.
        ///
        /// - Parameter body: Receives each output; returns `false` to stop after it, leaving
        ///   the outputs after it for the next call.
        /// - Returns: `false` at the end of the stream (then `body` was not called).
        /// - Throws: As ``next()`` does.
        public mutating func next(eachView body: (OutputView) -> Bool) async throws -> Bool {
            try await next { decoder, delivered throws(EventStreamError) in
                _ = try decoder.scanAvailableViews { output in
                    delivered = true
                    return body(output)
                }
            }
        }

        /// Reads until `deliver` hands something over (it sets `delivered`), or the stream ends.
        private mutating func next(
            delivering deliver: (inout EventStreamDecoder, inout Bool) throws(EventStreamError) -> Void
        ) async throws -> Bool {
            if let pendingError {
                self.pendingError = nil
                throw pendingError
            }
            var delivered = false
            while true {
                do {
                    try deliver(&decoder, &delivered)
                } catch {
                    guard delivered else { throw error }
                    pendingError = error
                }
                if delivered { return true }
                if inputEnded { return false }
                if let timeout = readTimeout, decoder.completedLines != linesAtDeadline {
                    linesAtDeadline = decoder.completedLines
                    deadline = clock.now.advanced(by: timeout)
                }
                if let chunk = try await chunks.next(deadline: deadline, clock: clock) {
                    decoder.append(chunk)
                } else {
                    decoder.finish()
                    inputEnded = true
                }
            }
        }
    }
}

/// Owns the base iterator so that one read at a time can run in a child task, raced against a
/// deadline. Only one task touches the iterator at a time: the caller awaits the child.
final class ChunkSource<Iterator: AsyncIteratorProtocol & SendableMetatype>: @unchecked Sendable
where Iterator.Element: Sendable {
    private var iterator: Iterator
    private var ended = false

    init(_ iterator: Iterator) {
        self.iterator = iterator
    }

    /// The next chunk, `nil` at the end, or ``EventStreamError/readTimeout`` past `deadline`.
    func next<C: Clock>(deadline: C.Instant?, clock: C) async throws -> Iterator.Element? {
        guard !ended else { return nil }
        guard let deadline else { return try await read() }
        return try await withThrowingTaskGroup(of: Iterator.Element?.self) { group in
            group.addTask { try await self.read() }
            group.addTask {
                try await clock.sleep(until: deadline, tolerance: nil)
                throw EventStreamError.readTimeout
            }
            defer { group.cancelAll() }
            do {
                return try await group.next() ?? nil
            } catch {
                ended = true
                throw error
            }
        }
    }

    private func read() async throws -> Iterator.Element? {
        let chunk = try await iterator.next()
        if chunk == nil { ended = true }
        return chunk
    }
}

extension AsyncSequence where Self: Sendable, AsyncIterator: SendableMetatype, Element: Sequence<UInt8> & Sendable {
    /// Decodes this sequence of byte chunks as a Server-Sent Events stream.
    ///
    /// - Parameters:
    ///   - configuration: The decoder's settings.
    ///   - readTimeout: If set, the longest wait for a complete line before the sequence throws
    ///     ``EventStreamError/readTimeout``. The base sequence must stop promptly when its task
    ///     is cancelled (NIO and `AsyncStream` sequences do).
    /// - Returns: A sequence of ``EventStreamDecoder/Output``.
    public func serverSentEvents(
        configuration: EventStreamDecoder.Configuration = .init(),
        readTimeout: Duration? = nil
    ) -> ServerSentEventSequence<Self, ContinuousClock> {
        serverSentEvents(configuration: configuration, readTimeout: readTimeout, clock: ContinuousClock())
    }

    /// Decodes this sequence of byte chunks as a Server-Sent Events stream, timing reads with
    /// the given clock (tests pass a manual clock).
    ///
    /// - Parameters:
    ///   - configuration: The decoder's settings.
    ///   - readTimeout: If set, the longest wait for a complete line.
    ///   - clock: The clock that measures the read timeout.
    /// - Returns: A sequence of ``EventStreamDecoder/Output``.
    public func serverSentEvents<C: Clock<Duration>>(
        configuration: EventStreamDecoder.Configuration = .init(),
        readTimeout: Duration?,
        clock: C
    ) -> ServerSentEventSequence<Self, C> {
        ServerSentEventSequence(base: self, configuration: configuration, readTimeout: readTimeout, clock: clock)
    }
}
