#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol
import SSETransport

/// A reconnecting Server-Sent Events stream (Go: `eventsource.Stream`).
///
/// Subscribing returns once the first connection is established. From then on the stream
/// reads events into ``events``, and when the connection fails or ends it reports why to
/// ``errors`` (or the configured error handler) and reconnects after the configured delay,
/// sending the newest `Last-Event-ID` so the server can replay what was missed.
///
/// ```swift
/// let stream = try await EventSource.subscribe(to: URL(string: "http://127.0.0.1:8080/time")!)
/// for await event in stream.events {
///     print(event.id, event.event, event.data)
/// }
/// ```
///
/// The stream runs until ``close()``, until an error handler returns
/// ``ErrorAction/close``, until the server answers 204, until the reconnect policy gives up, or
/// until nothing refers to it any more: the stream, its ``events`` and ``errors`` and their
/// iterators all released, the connection closes and the stream's task ends. Then both sequences
/// end.
public final class EventSource: Sendable {
    /// The events the stream receives, in order; the sequence ends when the stream closes.
    ///
    /// Reading pauses while ``Configuration/bufferSize`` events, or
    /// ``Configuration/maximumBufferedBytes`` of them, wait for you, and an error or
    /// comment is reported only after you have finished with every event received before it
    /// (asked for the next one, or dropped your iterator). So if nothing reads this sequence,
    /// the stream waits, as Go's does.
    public let events: Events

    /// The errors the stream meets after subscribing, in order; the sequence ends when the
    /// stream closes. Unused when ``Configuration/errorHandler`` is set. Holds the newest 64
    /// errors if nobody reads it.
    public let errors: Errors

    /// The response header fields of the newest connection (Go hands them to each event); `nil`
    /// before the first connection. They change when the stream reconnects, which happens only
    /// after every event of the previous connection was handed over.
    public var responseHeaders: HTTPHeaderFields? {
        lifetime.control.responseHeaders
    }

    /// How well the server's replay covered what this client missed, as the newest connection's
    /// `SSE-Replay` response header said; `nil` when the server did not say. A
    /// `ReplayCoverage.reset` means events were lost: rebuild your state.
    public var replayCoverage: ReplayCoverage? {
        responseHeaders?[ReplayCoverage.headerName].flatMap(ReplayCoverage.init(rawValue:))
    }

    /// The error that ended the stream by itself, once it has ended: the error a one-shot stream
    /// met (``EventSourceError/errorEvent`` among them), the error after which the reconnect
    /// policy gave up or the error handler closed the stream, or an undecodable event that ended a
    /// ``DecodedEvents`` sequence. `nil` while the stream runs, after ``close()``, and when a
    /// one-shot stream ended normally. Check it when ``events`` has ended:
    ///
    /// ```swift
    /// for await event in stream.events { print(event.data) }
    /// if let error = stream.finalError { throw error }
    /// ```
    public var finalError: EventSourceError? {
        lifetime.control.finalError
    }

    private let lifetime: Lifetime

    private init(configuration: Configuration) {
        let buffer = EventBuffer(capacity: configuration.bufferSize, byteLimit: configuration.maximumBufferedBytes)
        let (errors, errorSink) = AsyncStream<EventSourceError>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let lifetime = Lifetime(control: StreamControl(buffer: buffer, errors: errorSink, errorHandler: configuration.errorHandler))
        self.events = Events(buffer: buffer, lifetime: lifetime)
        self.errors = Errors(base: errors, lifetime: lifetime)
        self.lifetime = lifetime
    }

    /// Subscribes to the event stream at a URL with `GET` (Go: `SubscribeWithURL`).
    ///
    /// - Parameters:
    ///   - url: The stream's `http` or `https` URL.
    ///   - configuration: The stream's settings.
    /// - Returns: The stream, connected.
    /// - Throws: ``EventSourceError`` when the first connection fails (unless
    ///   ``Configuration/firstConnectionRetry`` retries it), or `CancellationError` when the
    ///   calling task is cancelled first.
    public static func subscribe(to url: URL, configuration: Configuration = Configuration()) async throws -> EventSource {
        try await subscribe(to: ClientRequest(url: url), configuration: configuration)
    }

    /// Subscribes with a full request: method, headers and body, all sent again on every
    /// reconnection, so `POST` and `REPORT` streams work (Go: `SubscribeWithRequestAndOptions`).
    ///
    /// The stream sets `Accept: text/event-stream`, `Cache-Control: no-cache` and, when the
    /// last event ID is not empty, `Last-Event-ID`.
    ///
    /// - Parameters:
    ///   - request: The request to send on every connection attempt.
    ///   - configuration: The stream's settings.
    /// - Returns: The stream, connected.
    /// - Throws: As ``subscribe(to:configuration:)-(URL,_)`` does.
    public static func subscribe(
        to request: ClientRequest,
        configuration: Configuration = Configuration()
    ) async throws -> EventSource {
        let source = EventSource(configuration: configuration)
        let control = source.lifetime.control
        let run = runner(request: request, configuration: configuration, clock: configuration.clock, control: control)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (subscriber: CheckedContinuation<Void, any Error>) in
                control.start(subscriber: subscriber) { Task { await run() } }
            }
        } onCancel: {
            control.close()
        }
        return source
    }

    /// Opens the configured clock's type, so the loop is generic over it.
    private static func runner<C: Clock<Duration>>(
        request: ClientRequest,
        configuration: Configuration,
        clock: C,
        control: StreamControl
    ) -> @Sendable () async -> Void {
        let connection = StreamConnection(request: request, configuration: configuration, clock: clock, control: control)
        return { await connection.run() }
    }

    /// Closes the stream for good: the connection or retry wait stops at once and both
    /// sequences end. Safe to call from any task, any number of times.
    public func close() {
        lifetime.control.close()
    }

    /// Drops the current connection and reconnects after the normal retry delay, as if the
    /// connection had failed, without reporting an error. Restarts requested while the stream is
    /// already reconnecting merge into that reconnection; after ``close()`` this does nothing.
    public func restart() {
        lifetime.control.restart()
    }

    /// Closes the stream when the last value that can reach it goes away: the stream, its
    /// sequences and their iterators each hold it; the stream's own task does not.
    final class Lifetime: Sendable {
        let control: StreamControl

        init(control: StreamControl) {
            self.control = control
        }

        deinit {
            control.close()
        }
    }
}

extension EventSource {
    /// The events of an ``EventSource``, as an asynchronous sequence that ends when the stream closes.
    public struct Events: AsyncSequence, Sendable {
        /// Each element is one event.
        public typealias Element = MessageEvent
        /// Reading events never throws; errors go to ``EventSource/errors``.
        public typealias Failure = Never

        let buffer: EventBuffer
        let lifetime: Lifetime

        /// Creates an iterator.
        public func makeAsyncIterator() -> Iterator {
            Iterator(reader: EventBufferReader(buffer: buffer), lifetime: lifetime)
        }

        /// Waits for the stream's events.
        ///
        /// It takes the events already received in batches, one lock per batch, and returns them
        /// one by one without suspending, so reading costs no executor hop per event on any
        /// actor. The events it took count against ``Configuration/bufferSize`` and
        /// ``Configuration/maximumBufferedBytes`` until it asks for the next one after them; an
        /// iterator dropped before then gives them back to the next iterator.
        public struct Iterator: AsyncIteratorProtocol {
            @usableFromInline let reader: EventBufferReader
            /// Keeps the stream alive while the iterator lives.
            let lifetime: Lifetime

            /// Returns the next event, or `nil` once the stream is closed or the task cancelled.
            /// An event already received comes back at once, without suspending.
            @inlinable
            public mutating func next() async -> MessageEvent? {
                if let event = reader.nextTaken() { return event }
                return await nextFromBuffer(isolation: nil)
            }

            /// Returns the next event, or `nil` once the stream is closed or the task cancelled.
            ///
            /// - Parameter actor: The caller's isolation.
            @inlinable
            public mutating func next(isolation actor: isolated (any Actor)?) async -> MessageEvent? {
                if let event = reader.nextTaken() { return event }
                return await nextFromBuffer(isolation: actor)
            }

            /// Asks the buffer for the next batch: the part of ``next(isolation:)`` that stays
            /// in this module, compiled for `MessageEvent`.
            @usableFromInline
            func nextFromBuffer(isolation actor: isolated (any Actor)?) async -> MessageEvent? {
                await reader.next(isolation: actor)
            }
        }
    }
}

extension EventSource {
    /// The errors of an ``EventSource``, as an asynchronous sequence that ends when the stream
    /// closes; the sequence and its iterators keep the stream alive.
    public struct Errors: AsyncSequence, Sendable {
        /// Each element is one error.
        public typealias Element = EventSourceError
        /// Reading errors never throws.
        public typealias Failure = Never

        let base: AsyncStream<EventSourceError>
        let lifetime: Lifetime

        /// Creates an iterator.
        public func makeAsyncIterator() -> Iterator {
            Iterator(base: base.makeAsyncIterator(), lifetime: lifetime)
        }

        /// Waits for the stream's errors.
        public struct Iterator: AsyncIteratorProtocol {
            var base: AsyncStream<EventSourceError>.Iterator
            let lifetime: Lifetime

            /// Returns the next error, or `nil` once the stream is closed or the task cancelled.
            public mutating func next() async -> EventSourceError? {
                await base.next()
            }

            /// Returns the next error, or `nil` once the stream is closed or the task cancelled.
            ///
            /// - Parameter actor: The caller's isolation.
            public mutating func next(isolation actor: isolated (any Actor)?) async -> EventSourceError? {
                await base.next(isolation: actor)
            }
        }
    }
}
