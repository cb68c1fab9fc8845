import SSEProtocol
import SSETransport

/// The part of an ``EventSource`` that `close()` and `restart()` reach from any task: it owns
/// the running task, the current connection's read task and the sinks of both sequences.
final class StreamControl: Sendable {
    private struct State {
        var closed = false
        var restartPending = false
        var run: Task<Void, Never>?
        var readCancel: (@Sendable () -> Void)?
        var subscriber: CheckedContinuation<Void, any Error>?
        var responseHeaders: HTTPHeaderFields?
        var finalError: EventSourceError?
    }

    let buffer: EventBuffer
    let errors: AsyncStream<EventSourceError>.Continuation
    private let errorHandler: (@Sendable (EventSourceError) -> EventSource.ErrorAction)?
    private let state = LockedState(State())

    init(
        buffer: EventBuffer,
        errors: AsyncStream<EventSourceError>.Continuation,
        errorHandler: (@Sendable (EventSourceError) -> EventSource.ErrorAction)?
    ) {
        self.buffer = buffer
        self.errors = errors
        self.errorHandler = errorHandler
    }

    /// Reports an error the consumer's side met (an undecodable event) the way the stream reports
    /// its own: to the error handler when there is one, otherwise to the error sequence.
    ///
    /// - Returns: Whether the error handler asked to close the stream.
    func reportFromConsumer(_ error: EventSourceError) -> Bool {
        if let errorHandler { return errorHandler(error).closes }
        errors.yield(error)
        return false
    }

    /// Remembers who waits for the first connection, then starts the stream's task.
    func start(subscriber: CheckedContinuation<Void, any Error>, run: () -> Task<Void, Never>) {
        let closed = state.withLock { state in
            if !state.closed { state.subscriber = subscriber }
            return state.closed
        }
        if closed {
            subscriber.resume(throwing: CancellationError())
            return
        }
        let task = run()
        let cancel = state.withLock { state in
            state.run = task
            return state.closed
        }
        if cancel { task.cancel() }
    }

    func close() {
        let (run, cancelRead, subscriber) = state.withLock { state in
            state.closed = true
            defer {
                state.run = nil
                state.readCancel = nil
                state.subscriber = nil
            }
            return (state.run, state.readCancel, state.subscriber)
        }
        run?.cancel()
        cancelRead?()
        buffer.finish()
        errors.finish()
        subscriber?.resume(throwing: CancellationError())
    }

    func restart() {
        let cancelRead = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.closed else { return nil }
            state.restartPending = true
            return state.readCancel
        }
        cancelRead?()
    }

    /// A connection attempt begins; restarts requested before now merge into it.
    ///
    /// - Returns: `false` once the stream is closed.
    func beginAttempt() -> Bool {
        state.withLock { state in
            state.restartPending = false
            return !state.closed
        }
    }

    /// The response header fields of the newest connection.
    var responseHeaders: HTTPHeaderFields? {
        state.withLock { $0.responseHeaders }
    }

    /// The connection was established: subscribing returns.
    ///
    /// - Parameter headers: The response's header fields.
    func connected(headers: HTTPHeaderFields) {
        let subscriber = state.withLock { state in
            state.responseHeaders = headers
            defer { state.subscriber = nil }
            return state.subscriber
        }
        subscriber?.resume()
    }

    /// Registers how to drop the connection being read; drops it at once if a restart or close
    /// came first.
    func startReading(cancel: @escaping @Sendable () -> Void) {
        let cancelNow = state.withLock { state in
            state.readCancel = cancel
            return state.closed || state.restartPending
        }
        if cancelNow { cancel() }
    }

    /// The connection's reading ended.
    ///
    /// - Returns: Whether it ended because of ``EventSource/restart()``.
    func finishedReading() -> Bool {
        state.withLock { state in
            state.readCancel = nil
            defer { state.restartPending = false }
            return state.restartPending && !state.closed
        }
    }

    /// The error that ended the stream by itself, once it has.
    var finalError: EventSourceError? {
        state.withLock { $0.finalError }
    }

    /// Records the error that ends the stream, when something other than the stream's own loop
    /// ends it (a typed sequence that met an undecodable event), then closes it.
    func close(because error: EventSourceError) {
        state.withLock { state in
            if !state.closed { state.finalError = error }
        }
        close()
    }

    /// The stream's task ended: both sequences end, and a subscriber still waiting gets `error`.
    ///
    /// - Parameters:
    ///   - error: What a subscriber still waiting for the first connection throws.
    ///   - finalError: The error that ended the stream, if one did.
    func finish(subscriptionError error: (any Error)?, finalError: EventSourceError?) {
        let subscriber = state.withLock { state in
            if !state.closed { state.finalError = finalError }
            state.closed = true
            state.run = nil
            defer { state.subscriber = nil }
            return state.subscriber
        }
        buffer.finish()
        errors.finish()
        subscriber?.resume(throwing: error ?? CancellationError())
    }
}
