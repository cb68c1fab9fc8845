import SSEProtocol
import SSETransport

/// A responder double that runs work at once on the calling thread, one item at a time (work
/// submitted meanwhile runs right after, as on an event loop), and records what is written.
///
/// The test decides when the connection is writable, when it takes the end of the response
/// (``peerTookEverything()``), and can run a probe inside every write.
final class RecordingResponder: HTTPServerResponder {
    struct State {
        var head: HTTPServerResponseHead?
        var body: [UInt8] = []
        var writable = true
        var finishes = 0
        var closes = 0
        var gone = false
        fileprivate var handler: (@Sendable (HTTPServerResponderEvent) -> Void)?
        fileprivate var work: [@Sendable () -> Void] = []
        fileprivate var running = false
    }

    private let state = LockedState(State())
    /// Runs inside every write, on the writing thread.
    let onWrite: (@Sendable () -> Void)?

    init(onWrite: (@Sendable () -> Void)? = nil) {
        self.onWrite = onWrite
    }

    /// What was recorded so far.
    var recorded: State { state.withLock { $0 } }

    /// The body decoded, comments and retry hints included.
    var outputs: [EventStreamDecoder.Output] { recorded.body.decodedOutputs() }

    /// The ids of the events in the body.
    var eventIDs: [String] {
        outputs.compactMap { output in
            if case .event(let event) = output { return event.id }
            return nil
        }
    }

    func execute(_ work: @escaping @Sendable () -> Void) {
        let idle = state.withLock { state in
            state.work.append(work)
            defer { state.running = true }
            return !state.running
        }
        guard idle else { return }
        while let next = state.withLock({ state -> (@Sendable () -> Void)? in
            if state.work.isEmpty {
                state.running = false
                return nil
            }
            return state.work.removeFirst()
        }) {
            next()
        }
    }

    func setEventHandler(_ handler: @escaping @Sendable (HTTPServerResponderEvent) -> Void) {
        let gone = state.withLock { state in
            state.handler = handler
            return state.gone
        }
        if gone { handler(.closed) }
    }

    var isWritable: Bool { state.withLock { $0.writable } }

    func writeHead(_ head: HTTPServerResponseHead) {
        state.withLock { $0.head = head }
    }

    func write(_ bytes: [UInt8]) {
        onWrite?()
        state.withLock { state in
            if !state.gone, state.finishes == 0 { state.body += bytes }
        }
    }

    func flush() {}

    func finish() {
        state.withLock { $0.finishes += 1 }
    }

    func close() {
        state.withLock { $0.closes += 1 }
        connectionGone()
    }

    /// Turns writability off, or on (which the handler hears).
    func setWritable(_ writable: Bool) {
        execute {
            let handler = self.state.withLock { state in
                state.writable = writable
                return writable ? state.handler : nil
            }
            handler?(.writable)
        }
    }

    /// The peer took the end of the response: the connection closes.
    func peerTookEverything() {
        connectionGone()
    }

    private func connectionGone() {
        execute {
            let handler = self.state.withLock { state -> (@Sendable (HTTPServerResponderEvent) -> Void)? in
                guard !state.gone else { return nil }
                state.gone = true
                defer { state.handler = nil }
                return state.handler
            }
            handler?(.closed)
        }
    }
}
