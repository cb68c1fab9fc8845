import SSEProtocol
import SSETransport

/// An `HTTPServerResponder` test double: records everything a handler writes, and lets a test
/// play the peer (stop taking bytes, take them again, go away) without a socket.
///
/// Work passed to ``execute(_:)`` runs at once on the calling thread, or right after the work
/// already running, so it is serial and in order as the protocol requires.
///
/// ```swift
/// let responder = RecordingResponder()
/// await server.handler(channel: "news").handle(HTTPServerRequest(method: "GET", uri: "/news"), responder: responder)
/// try server.publish(MessageEvent(data: "hi"), to: ["news"])
/// try await responder.waitUntil("one event") { $0.bodyText.contains("data: hi\n\n") }
/// ```
public final class RecordingResponder: HTTPServerResponder {
    /// What the handler has written so far.
    public struct Recording: Sendable {
        /// The head, once written.
        public var head: HTTPServerResponseHead?
        /// Every body byte written, in order (compressed if the handler compressed).
        public var body: [UInt8] = []
        /// The body bytes that were written before the last `flush()`.
        public var flushedBody: [UInt8] = []
        /// How many times the handler flushed.
        public var flushCount = 0
        /// How many times the handler called `finish()`.
        public var finishCount = 0
        /// How many times the handler called `close()`.
        public var closeCount = 0
        /// Whether the connection is gone: the handler called `close()` or the test called
        /// ``RecordingResponder/disconnect()``.
        public var isClosed = false

        /// Whether the handler ended the response with `finish()`.
        public var isFinished: Bool { finishCount > 0 }

        /// The body as UTF-8 text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// Thrown by ``waitUntil(_:timeout:_:)`` when the condition did not hold in time.
    public struct Timeout: Error, CustomStringConvertible {
        /// What the test waited for.
        public var description: String
    }

    private struct State {
        var recording = Recording()
        var writable = true
        var eventHandler: (@Sendable (HTTPServerResponderEvent) -> Void)?
        var pending: [@Sendable () -> Void] = []
        var running = false
        var waiters: [(id: Int, condition: @Sendable (Recording) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiterID = 0
    }

    private let state = LockedState(State())
    private let onWrite: (@Sendable () -> Void)?

    /// Creates a responder whose peer takes every byte until told otherwise.
    ///
    /// - Parameter onWrite: Runs at the start of every body write, on the writing thread; a test
    ///   can check there what the writer holds (a lock, say). Defaults to `nil`.
    public init(onWrite: (@Sendable () -> Void)? = nil) {
        self.onWrite = onWrite
    }

    /// A copy of what has been written so far.
    public var recording: Recording {
        state.withLock { $0.recording }
    }

    // MARK: HTTPServerResponder

    /// Runs `work` now, or after the work already running, in submission order.
    ///
    /// - Parameter work: The work.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        let drains = state.withLock { state in
            state.pending.append(work)
            if state.running { return false }
            state.running = true
            return true
        }
        guard drains else { return }
        while let next = state.withLock({ state -> (@Sendable () -> Void)? in
            if state.pending.isEmpty {
                state.running = false
                return nil
            }
            return state.pending.removeFirst()
        }) {
            next()
        }
    }

    /// Stores the handler that hears `HTTPServerResponderEvent.writable` and `.closed`; if the
    /// connection is already gone, it hears `.closed` at once.
    ///
    /// - Parameter handler: The handler.
    public func setEventHandler(_ handler: @escaping @Sendable (HTTPServerResponderEvent) -> Void) {
        let gone = state.withLock { state in
            state.eventHandler = handler
            return state.recording.isClosed
        }
        if gone { execute { handler(.closed) } }
    }

    /// Whether the simulated peer takes bytes; see ``setWritable(_:)``.
    public var isWritable: Bool {
        state.withLock { $0.writable && !$0.recording.isClosed }
    }

    /// Records the head.
    ///
    /// - Parameter head: The head.
    public func writeHead(_ head: HTTPServerResponseHead) {
        record { if !$0.isClosed { $0.head = head } }
    }

    /// Records body bytes.
    ///
    /// - Parameter bytes: The bytes.
    public func write(_ bytes: [UInt8]) {
        onWrite?()
        record { if !$0.isClosed && !$0.isFinished { $0.body += bytes } }
    }

    /// Records a flush.
    public func flush() {
        record { recording in
            guard !recording.isClosed else { return }
            recording.flushCount += 1
            recording.flushedBody = recording.body
        }
    }

    /// Records the end of the response.
    public func finish() {
        record { $0.finishCount += 1 }
    }

    /// Records that the handler closed the connection, and reports `HTTPServerResponderEvent.closed`.
    public func close() {
        record { $0.closeCount += 1 }
        disconnect()
    }

    // MARK: Playing the peer

    /// Makes the simulated peer stop or resume taking bytes; resuming reports
    /// `HTTPServerResponderEvent.writable` on the responder's context.
    ///
    /// - Parameter writable: Whether the peer takes bytes.
    public func setWritable(_ writable: Bool) {
        let handler = state.withLock { state -> (@Sendable (HTTPServerResponderEvent) -> Void)? in
            let resumed = writable && !state.writable
            state.writable = writable
            return resumed ? state.eventHandler : nil
        }
        if let handler { execute { handler(.writable) } }
    }

    /// Makes the connection go away, as when the peer leaves or has taken the end of the
    /// response: the responder reports `HTTPServerResponderEvent.closed` once, on its context,
    /// and ignores later writes.
    public func disconnect() {
        let handler = update { state -> (@Sendable (HTTPServerResponderEvent) -> Void)? in
            guard !state.recording.isClosed else { return nil }
            state.recording.isClosed = true
            return state.eventHandler
        }
        if let handler { execute { handler(.closed) } }
    }

    /// Waits until what has been written satisfies `condition`.
    ///
    /// - Parameters:
    ///   - what: What the test waits for, for the error message.
    ///   - timeout: The longest wait. Defaults to 10 seconds.
    ///   - condition: Checked now and after every change.
    /// - Returns: The recording that satisfied the condition.
    /// - Throws: ``Timeout`` when the condition did not hold in time.
    @discardableResult
    public func waitUntil(
        _ what: String,
        timeout: Duration = .seconds(10),
        _ condition: @escaping @Sendable (Recording) -> Bool
    ) async throws -> Recording {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            let waiter = self.state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(returning: false)
        }
        defer { timer.cancel() }
        let held = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let holds = state.withLock { state in
                if condition(state.recording) { return true }
                state.waiters.append((id, condition, continuation))
                return false
            }
            if holds { continuation.resume(returning: true) }
        }
        guard held else { throw Timeout(description: "timed out waiting for \(what)") }
        return recording
    }

    /// Changes the recording under the lock, then wakes the waiters whose condition now holds.
    private func record(_ change: (inout Recording) -> Void) {
        update { state in change(&state.recording) }
    }

    /// Changes the state under the lock, then wakes the waiters whose condition now holds.
    private func update<R>(_ change: (inout State) -> R) -> R {
        let (result, woken) = state.withLock { state in
            let result = change(&state)
            var woken: [CheckedContinuation<Bool, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.condition(state.recording) else { return false }
                woken.append(waiter.continuation)
                return true
            }
            return (result, woken)
        }
        woken.forEach { $0.resume(returning: true) }
        return result
    }
}
