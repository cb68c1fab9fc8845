import SSEProtocol
import SSETransport

/// One open event stream: its queue, its connection, and its optional compressor.
///
/// The queue is shared with publishers under a lock; everything else (the compressor, the
/// replay's writability waiter, whether the connection is gone) is touched only on the
/// responder's context, which is what makes the unchecked `Sendable` sound.
final class Subscriber: @unchecked Sendable {
    /// Why a subscriber stopped.
    enum EndReason: Sendable {
        case finished, slowConsumer, peerLeft
    }

    /// What a subscriber needs besides its connection.
    struct Settings: Sendable {
        var capacity: Int
        var byteBudget: Int
        var finishDeadline: Duration
        var clock: any Clock<Duration>
    }

    /// The tasks that end a stream after its maximum connection time, or close a connection
    /// that did not send its end in time.
    private struct Timers {
        var expiry: Task<Void, Never>?
        var finish: Task<Void, Never>?
    }

    let channel: String
    let responder: any HTTPServerResponder
    private let queue: LockedState<SubscriberQueue>
    private let timers = LockedState(Timers())
    private let settings: Settings
    private let compressor: (any StreamCompressor)?
    private let metrics: EventServerMetrics
    private let onEnd: @Sendable (Subscriber, EndReason) -> Void
    private var writableWaiter: CheckedContinuation<Void, Never>?
    private var connectionGone = false

    /// Creates a subscriber in the starting phase; call ``start(head:)`` next.
    ///
    /// - Parameters:
    ///   - onEnd: Called once, on the responder's context, when the connection is gone.
    init(
        channel: String,
        responder: any HTTPServerResponder,
        settings: Settings,
        compressor: (any StreamCompressor)?,
        metrics: EventServerMetrics,
        onEnd: @escaping @Sendable (Subscriber, EndReason) -> Void
    ) {
        self.metrics = metrics
        self.channel = channel
        self.responder = responder
        self.settings = settings
        self.queue = LockedState(SubscriberQueue(capacity: settings.capacity, byteBudget: settings.byteBudget))
        self.compressor = compressor
        self.onEnd = onEnd
    }

    /// Whether the stream still accepts events.
    var isActive: Bool { queue.withLock { $0.isActive } }

    /// Writes the response head and starts listening for the connection's events.
    func start(head: HTTPServerResponseHead) {
        responder.execute {
            self.responder.setEventHandler { event in self.handle(event) }
            self.responder.writeHead(head)
            self.responder.flush()
        }
    }

    /// Writes replayed bytes, then waits until the connection takes more.
    func writeReplay(_ bytes: [UInt8]) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            responder.execute {
                self.send(bytes)
                self.responder.flush()
                if self.responder.isWritable || !self.isActive || self.connectionGone {
                    continuation.resume()
                } else {
                    self.writableWaiter = continuation
                }
            }
        }
    }

    /// Ends the starting phase: queued live events follow, except those the replay held.
    ///
    /// - Parameter replayedThrough: The replay's `Replay.lastSequence`: live events with a
    ///   store sequence up to it, queued meanwhile or arriving later, are dropped.
    func started(replayedThrough: Int? = nil) {
        perform(queue.withLock { $0.started(replayedThrough: replayedThrough) })
    }

    /// Queues an encoded event, with its store sequence if it has one; never waits and does no
    /// I/O: the caller passes the returned action to ``perform(_:)``.
    func enqueue(_ chunk: [UInt8], sequence: Int? = nil) -> SubscriberQueue.Action {
        queue.withLock { $0.enqueue(chunk, sequence: sequence) }
    }

    /// Queues a heartbeat comment if nothing was written since the last one.
    func heartbeat(_ chunk: [UInt8]) {
        perform(queue.withLock { $0.heartbeat(chunk) })
    }

    /// Ends the stream after the pending events and an optional last chunk.
    ///
    /// - Parameters:
    ///   - lastChunk: Bytes to send last, for example a `retry:` hint.
    ///   - deadline: How long the connection may take to send it all before it is closed;
    ///     `nil` for the server's finish deadline.
    func end(lastChunk: [UInt8]? = nil, deadline: Duration? = nil) {
        perform(queue.withLock { $0.end(lastChunk: lastChunk, deadline: deadline) })
    }

    /// Ends the stream when `duration` has passed on the server's clock.
    func expire(after duration: Duration) {
        let clock = settings.clock
        let task = Task { [weak self] in
            guard (try? await sleep(on: clock, for: duration)) != nil else { return }
            self?.end()
        }
        timers.withLock { $0.expiry = task }
    }

    /// Carries out what a queue step asked for.
    func perform(_ action: SubscriberQueue.Action) {
        switch action {
        case .none:
            break
        case .drain:
            responder.execute { self.drain() }
        case .fellBehind(let drain):
            metrics.slowConsumerDisconnected()
            if drain { responder.execute { self.drain() } }
        case .finish(let deadline):
            responder.execute { self.finish(deadline: deadline ?? self.settings.finishDeadline) }
        }
    }

    private func drain() {
        let batch = queue.withLock { $0.takeBatch() }
        if compressor == nil {
            responder.write(contentsOf: batch)
        } else {
            for chunk in batch { send(chunk) }
        }
        responder.flush()
        let writable = responder.isWritable
        metrics.delivered(batch.count)
        perform(queue.withLock { $0.drained(writable: writable) })
    }

    /// Writes bytes through the compressor, if any.
    private func send(_ bytes: [UInt8]) {
        guard let compressor else {
            responder.write(bytes)
            return
        }
        do {
            responder.write(try compressor.compress(bytes))
        } catch {
            responder.close()
        }
    }

    /// Ends the response, and closes the connection if it is still open after `deadline`.
    private func finish(deadline: Duration) {
        guard !connectionGone else { return }
        if let compressor, let trailer = try? compressor.finish() { responder.write(trailer) }
        responder.finish()
        guard !connectionGone else { return }
        let clock = settings.clock
        let task = Task { [weak self] in
            guard (try? await sleep(on: clock, for: deadline)) != nil, let self else { return }
            self.responder.execute {
                if !self.connectionGone { self.responder.close() }
            }
        }
        timers.withLock { $0.finish = task }
    }

    private func handle(_ event: HTTPServerResponderEvent) {
        switch event {
        case .writable:
            resumeWaiter()
            perform(queue.withLock { $0.becameWritable() })
        case .closed:
            connectionGone = true
            resumeWaiter()
            if let reason = queue.withLock({ $0.connectionClosed() }) { ended(reason) }
        }
    }

    private func resumeWaiter() {
        writableWaiter?.resume()
        writableWaiter = nil
    }

    private func ended(_ reason: EndReason) {
        let timers = timers.withLock { $0 }
        timers.expiry?.cancel()
        timers.finish?.cancel()
        onEnd(self, reason)
    }
}

/// Sleeps for `duration` on any clock measured in `Duration`.
func sleep(on clock: some Clock<Duration>, for duration: Duration) async throws {
    try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil)
}
