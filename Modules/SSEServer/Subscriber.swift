import SSEProtocol
import SSETransport

/// One open event stream: its queue, its connection, and its optional compressor.
///
/// The queue is shared with publishers under a lock; everything else (the compressor, the
/// replay's writability waiter) is touched only on the responder's context, which is what
/// makes the unchecked `Sendable` sound.
final class Subscriber: @unchecked Sendable {
    /// Why a subscriber stopped.
    enum EndReason: Sendable {
        case finished, slowConsumer, peerLeft
    }

    let channel: String
    let responder: any HTTPServerResponder
    private let queue: LockedState<SubscriberQueue>
    private let expiry = LockedState<Task<Void, Never>?>(nil)
    private let compressor: (any StreamCompressor)?
    private let metrics: EventServerMetrics
    private let onEnd: @Sendable (Subscriber, EndReason) -> Void
    private var writableWaiter: CheckedContinuation<Void, Never>?

    /// Creates a subscriber in the starting phase; call ``start(head:)`` next.
    ///
    /// - Parameters:
    ///   - onEnd: Called once, on the responder's context, when the stream ended.
    init(
        channel: String,
        responder: any HTTPServerResponder,
        capacity: Int,
        compressor: (any StreamCompressor)?,
        metrics: EventServerMetrics,
        onEnd: @escaping @Sendable (Subscriber, EndReason) -> Void
    ) {
        self.metrics = metrics
        self.channel = channel
        self.responder = responder
        self.queue = LockedState(SubscriberQueue(capacity: capacity))
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
                if self.responder.isWritable || !self.isActive {
                    continuation.resume()
                } else {
                    self.writableWaiter = continuation
                }
            }
        }
    }

    /// Ends the starting phase: queued live events follow, except those the replay held.
    ///
    /// - Parameter replayedThrough: The replay's `Replay.lastSequence`: live events queued with
    ///   a store sequence up to it are dropped.
    func started(replayedThrough: Int? = nil) {
        perform(queue.withLock { $0.started(replayedThrough: replayedThrough) })
    }

    /// Queues an encoded event, with its store sequence if it has one; never waits.
    func enqueue(_ chunk: [UInt8], sequence: Int? = nil) {
        perform(queue.withLock { $0.enqueue(chunk, sequence: sequence) })
    }

    /// Queues a heartbeat comment if nothing was written since the last one.
    func heartbeat(_ chunk: [UInt8]) {
        perform(queue.withLock { $0.heartbeat(chunk) })
    }

    /// Ends the stream after the pending events and an optional last chunk.
    func end(lastChunk: [UInt8]? = nil) {
        perform(queue.withLock { $0.end(lastChunk: lastChunk) })
    }

    /// Ends the stream when `duration` has passed.
    func expire(after duration: Duration) {
        let task = Task { [weak self] in
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            self?.end()
        }
        expiry.withLock { $0 = task }
    }

    private func perform(_ action: SubscriberQueue.Action) {
        switch action {
        case .none:
            break
        case .drain:
            responder.execute { self.drain() }
        case .disconnect:
            responder.execute {
                self.responder.close()
                self.ended(.slowConsumer)
            }
        case .finish(let graceful):
            responder.execute { self.finish(graceful: graceful) }
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

    private func finish(graceful: Bool) {
        if graceful {
            if let compressor, let trailer = try? compressor.finish() { responder.write(trailer) }
            responder.finish()
        } else {
            responder.close()
        }
        ended(.finished)
    }

    private func handle(_ event: HTTPServerResponderEvent) {
        switch event {
        case .writable:
            resumeWaiter()
            perform(queue.withLock { $0.becameWritable() })
        case .closed:
            resumeWaiter()
            if queue.withLock({ $0.connectionClosed() }) { ended(.peerLeft) }
        }
    }

    private func resumeWaiter() {
        writableWaiter?.resume()
        writableWaiter = nil
    }

    private func ended(_ reason: EndReason) {
        expiry.withLock { $0?.cancel() }
        onEnd(self, reason)
    }
}
