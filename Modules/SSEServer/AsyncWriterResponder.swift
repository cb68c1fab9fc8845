import SSEProtocol
import SSETransport

/// The task running a body, kept only while it runs (under ``AsyncWriterResponder``'s lock).
private struct CurrentTask: @unchecked Sendable {
    let task: UnsafeCurrentTask?
}

/// An ``HTTPServerResponder`` for HTTP stacks whose responses are written by an async body
/// writer (Hummingbird, Vapor): it buffers what the handler writes and hands the flushed bytes to
/// the framework's writer, whose backpressure turns into ``isWritable``.
///
/// A framework adapter calls ``serve(_:with:configuration:)``, answers with the head it returns
/// and, as the response body, calls ``writeBody(abort:_:)`` with the framework's writer. When the
/// framework learns that the peer left, it calls ``peerLeft()``.
///
/// The serial context of ``execute(_:)`` is the calling thread: work submitted while no other
/// work runs runs at once; work submitted meanwhile (also from inside work) runs after it, in
/// order, on the thread that runs the first. Event handler calls go through it too.
public final class AsyncWriterResponder: HTTPServerResponder, @unchecked Sendable {
    /// Settings for an ``AsyncWriterResponder``.
    public struct Configuration: Sendable {
        /// How many flushed bytes may wait for the framework's writer before ``isWritable`` turns
        /// `false`. Defaults to 64 KiB (65,536 bytes).
        public var highWatermark: Int
        /// How few bytes must be left waiting before ``isWritable`` turns `true` again and the
        /// handler hears ``HTTPServerResponderEvent/writable``. Defaults to 16 KiB (16,384 bytes).
        public var lowWatermark: Int

        /// Creates a configuration; every parameter defaults as documented on its property.
        ///
        /// - Parameters:
        ///   - highWatermark: The waiting bytes that make the responder not writable.
        ///   - lowWatermark: The waiting bytes that make it writable again.
        public init(highWatermark: Int = 64 * 1024, lowWatermark: Int = 16 * 1024) {
            self.highWatermark = max(1, highWatermark)
            self.lowWatermark = max(0, min(lowWatermark, self.highWatermark - 1))
        }
    }

    /// How a response body ended.
    public enum BodyEnd: Sendable, Hashable {
        /// The handler finished the response: end the body normally.
        case finished
        /// The handler closed the response, or the peer left: drop the connection.
        case closed
    }

    private enum Ending { case none, finish, close }

    private struct State {
        var work: [@Sendable () -> Void] = []
        var running = false
        var head: HTTPServerResponseHead?
        var headWaiter: CheckedContinuation<HTTPServerResponseHead?, Never>?
        var handlerReturned = false
        var unflushed: [UInt8] = []
        var outbox: [UInt8] = []
        var inFlight = 0
        var ending = Ending.none
        var gone = false
        var closedReported = false
        var closedDelivered = false
        var wantsWritable = false
        var writerWaiter: CheckedContinuation<Void, Never>?
        var eventHandler: (@Sendable (HTTPServerResponderEvent) -> Void)?

        var waiting: Int { outbox.count + inFlight }
    }

    /// The settings the responder was created with.
    public let configuration: Configuration
    private let state = LockedState(State())
    private var handling: Task<Void, Never>?
    /// How to abort ``writeBody(abort:_:)`` when the connection must drop while a write waits
    /// for a peer that does not read. Its own lock, because aborting may run cancellation
    /// handlers that take ``state``'s.
    private let abortBody = LockedState<(@Sendable () -> Void)?>(nil)

    /// Creates a responder; ``serve(_:with:configuration:)`` creates one and starts the handler.
    ///
    /// - Parameter configuration: The responder's settings. Defaults to ``Configuration/init(highWatermark:lowWatermark:)``.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Starts `handler` on `request` and returns once it has written the response head.
    ///
    /// The handler runs in a task of its own (it inherits the caller's task-local values), so
    /// that a framework can send the head while the handler goes on streaming;
    /// ``writeBody(abort:_:)`` waits for it before returning.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - handler: The handler, for example `EventServer.handler(channel:)`.
    ///   - configuration: The responder's settings. Defaults to ``Configuration/init(highWatermark:lowWatermark:)``.
    /// - Returns: The responder, and the head to send: the handler's, or `500` with an empty body
    ///   when the handler returned without writing one.
    public static func serve(
        _ request: HTTPServerRequest,
        with handler: some HTTPServerHandler,
        configuration: Configuration = Configuration()
    ) async -> (responder: AsyncWriterResponder, head: HTTPServerResponseHead) {
        let responder = AsyncWriterResponder(configuration: configuration)
        responder.handling = Task {
            await handler.handle(request, responder: responder)
            responder.handlerReturned()
        }
        let head = await responder.waitForHead()
            ?? HTTPServerResponseHead(status: 500, headers: ["Content-Length": "0"])
        return (responder, head)
    }

    /// Hands the response body to the framework's writer until the handler ends the response or
    /// the peer leaves, then waits for the handler to return.
    ///
    /// - Parameters:
    ///   - abort: Makes a pending `write` throw at once, called when the handler closes the
    ///     response or the peer leaves. Defaults to `nil`: cancel the calling task (for writers
    ///     whose writes end on cancellation).
    ///   - write: Writes bytes to the peer; returns once the framework took them (its
    ///     backpressure) and throws when the connection failed.
    /// - Returns: How the body ended.
    public func writeBody(abort: (@Sendable () -> Void)? = nil, _ write: ([UInt8]) async throws -> Void) async -> BodyEnd {
        let cancel = abort ?? withUnsafeCurrentTask { task in
            let task = CurrentTask(task: task)
            return { task.task?.cancel() }
        }
        abortBody.withLock { $0 = cancel }
        let end = await pumpBody(write)
        abortBody.withLock { $0 = nil }
        connectionGone()
        await handling?.value
        return end
    }

    /// Tells the responder that the peer left: the handler hears
    /// ``HTTPServerResponderEvent/closed`` and ``writeBody(abort:_:)`` returns.
    public func peerLeft() {
        connectionGone()
        resumeWriter()
        abortBody.withLock { $0?() }
    }

    // MARK: - HTTPServerResponder

    /// Runs work serially, in submission order (see ``AsyncWriterResponder``).
    ///
    /// - Parameter work: The work.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        let runsNow = state.withLock { state in
            state.work.append(work)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard runsNow else { return }
        while let next = state.withLock({ state -> (@Sendable () -> Void)? in
            guard !state.work.isEmpty else {
                state.running = false
                return nil
            }
            return state.work.removeFirst()
        }) {
            next()
        }
    }

    /// Sets the function that hears about writability and the end of the connection.
    ///
    /// - Parameter handler: Called on the responder's context.
    public func setEventHandler(_ handler: @escaping @Sendable (HTTPServerResponderEvent) -> Void) {
        let closed = state.withLock { state in
            if !state.closedDelivered { state.eventHandler = handler }
            return state.closedDelivered
        }
        if closed { handler(.closed) }
    }

    /// Whether fewer than ``Configuration/highWatermark`` flushed bytes wait for the writer.
    public var isWritable: Bool {
        state.withLock { state in
            if state.waiting < configuration.highWatermark { return true }
            state.wantsWritable = true
            return false
        }
    }

    /// Records the head; the adapter sends it.
    ///
    /// - Parameter head: The head; only the first one counts.
    public func writeHead(_ head: HTTPServerResponseHead) {
        let waiter = state.withLock { state -> CheckedContinuation<HTTPServerResponseHead?, Never>? in
            guard state.head == nil else { return nil }
            state.head = head
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        waiter?.resume(returning: head)
    }

    /// Buffers body bytes until the next ``flush()``; ignored once the response ended.
    ///
    /// - Parameter bytes: The bytes.
    public func write(_ bytes: [UInt8]) {
        state.withLock { state in
            guard state.ending == .none, !state.gone else { return }
            state.unflushed.append(contentsOf: bytes)
        }
    }

    /// Hands the buffered bytes to the writer.
    public func flush() {
        let flushed = state.withLock { state in
            guard !state.unflushed.isEmpty else { return false }
            state.outbox.append(contentsOf: state.unflushed)
            state.unflushed.removeAll(keepingCapacity: true)
            return true
        }
        if flushed { resumeWriter() }
    }

    /// Ends the response after the bytes written so far.
    public func finish() {
        state.withLock { state in
            guard state.ending == .none else { return }
            state.outbox.append(contentsOf: state.unflushed)
            state.unflushed = []
            state.ending = .finish
        }
        resumeWriter()
    }

    /// Drops the connection, and any bytes the writer has not taken; a write waiting for the
    /// peer is cancelled.
    public func close() {
        state.withLock { state in
            state.ending = .close
            state.unflushed = []
            state.outbox = []
        }
        resumeWriter()
        abortBody.withLock { $0?() }
    }

    // MARK: - Internals

    private func waitForHead() async -> HTTPServerResponseHead? {
        await withCheckedContinuation { (continuation: CheckedContinuation<HTTPServerResponseHead?, Never>) in
            let result = state.withLock { state -> HTTPServerResponseHead?? in
                if let head = state.head { return .some(head) }
                if state.handlerReturned { return .some(nil) }
                state.headWaiter = continuation
                return nil
            }
            if let result { continuation.resume(returning: result) }
        }
    }

    /// Called when the handler returned: one that wrote no head by then will never write one,
    /// and the empty response it gets instead ends at once.
    private func handlerReturned() {
        let waiter = state.withLock { state in
            state.handlerReturned = true
            if state.head == nil, state.ending == .none { state.ending = .finish }
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        waiter?.resume(returning: nil)
        resumeWriter()
    }

    /// What the writer does next.
    private enum Step {
        case write([UInt8])
        case end(BodyEnd)
        case wait
    }

    private func pumpBody(_ write: ([UInt8]) async throws -> Void) async -> BodyEnd {
        while true {
            switch state.withLock({ Self.step(&$0) }) {
            case .end(let end):
                return end
            case .wait:
                await waitForWork()
            case .write(let bytes):
                do {
                    try await write(bytes)
                } catch {
                    return .closed
                }
                wrote()
            }
        }
    }

    private static func step(_ state: inout State) -> Step {
        if state.gone || state.ending == .close { return .end(.closed) }
        if !state.outbox.isEmpty {
            let bytes = state.outbox
            state.outbox = []
            state.inFlight = bytes.count
            return .write(bytes)
        }
        if state.ending == .finish { return .end(.finished) }
        return .wait
    }

    /// Waits until there is something to write, or the response ended; cancellation of the
    /// writer's task counts as the peer leaving.
    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.gone || state.ending != .none || !state.outbox.isEmpty { return true }
                    state.writerWaiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { $0.gone = true }
            self.resumeWriter()
        }
    }

    private func wrote() {
        let writable = state.withLock { state -> Bool in
            state.inFlight = 0
            guard state.wantsWritable, state.waiting <= configuration.lowWatermark else { return false }
            state.wantsWritable = false
            return true
        }
        if writable { notify(.writable) }
    }

    private func resumeWriter() {
        let waiter = state.withLock { state in
            defer { state.writerWaiter = nil }
            return state.writerWaiter
        }
        waiter?.resume()
    }

    /// Marks the connection gone and tells the handler, once.
    private func connectionGone() {
        let first = state.withLock { state in
            state.gone = true
            defer { state.closedReported = true }
            return !state.closedReported
        }
        if first { notify(.closed) }
    }

    private func notify(_ event: HTTPServerResponderEvent) {
        execute {
            let handler = self.state.withLock { state in
                let handler = state.eventHandler
                if event == .closed {
                    state.closedDelivered = true
                    state.eventHandler = nil
                }
                return handler
            }
            handler?(event)
        }
    }
}
