import NIOCore
import NIOPosix
import SSEProtocol

/// Subscribers over real HTTP connections on 127.0.0.1 that time each event's arrival: every
/// event's data starts with its send time (``BenchSupport/monotonicNanoseconds()`` digits), and
/// each connection records, per event, the time from sending to reading it.
///
/// Used by `sse-bench postgres` for its receiving node.
final class LatencySubscribers: Sendable {
    private struct State {
        var heads = 0
        var completed = 0
        var latencies: [Double] = []
    }

    /// How many connections.
    let count: Int
    /// How many events each connection waits for.
    let events: Int
    private let state = LockedState(State())
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]
    private let headsInput: AsyncStream<Void>.Continuation
    private let headsStream: AsyncStream<Void>
    private let doneInput: AsyncStream<Void>.Continuation
    private let doneStream: AsyncStream<Void>

    /// Opens `count` connections that each `GET path` from the server on 127.0.0.1:`port`.
    ///
    /// - Parameters:
    ///   - count: How many subscribers.
    ///   - events: How many events each waits for.
    ///   - port: The server's port.
    ///   - path: The stream's path.
    static func connect(count: Int, events: Int, port: Int, path: String) async throws -> LatencySubscribers {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let (headsStream, headsInput) = AsyncStream<Void>.makeStream()
        let (doneStream, doneInput) = AsyncStream<Void>.makeStream()
        let box = LockedState<LatencySubscribers?>(nil)
        let channels = try await StreamConnections.open(count: count, port: port, group: group) {
            LatencyHandler(events: events) { report in box.withLock { $0 }?.receive(report) }
        }
        let subscribers = LatencySubscribers(
            count: count, events: events, group: group, channels: channels,
            heads: (headsStream, headsInput), done: (doneStream, doneInput)
        )
        box.withLock { $0 = subscribers }
        let request = StreamConnections.request(path: path)
        for channel in channels { channel.writeAndFlush(request, promise: nil) }
        return subscribers
    }

    private init(
        count: Int, events: Int, group: MultiThreadedEventLoopGroup, channels: [any Channel],
        heads: (AsyncStream<Void>, AsyncStream<Void>.Continuation), done: (AsyncStream<Void>, AsyncStream<Void>.Continuation)
    ) {
        self.count = count
        self.events = events
        self.group = group
        self.channels = channels
        (headsStream, headsInput) = heads
        (doneStream, doneInput) = done
    }

    private func receive(_ report: LatencyHandler.Report) {
        let (allHeads, allDone) = state.withLock { state -> (Bool, Bool) in
            if report.head { state.heads += 1 }
            state.latencies.append(contentsOf: report.latencies)
            if report.completed { state.completed += 1 }
            return (report.head && state.heads == count, report.completed && state.completed == count)
        }
        if allHeads { headsInput.finish() }
        if allDone { doneInput.finish() }
    }

    /// Returns once every connection has its response head.
    func waitForHeads() async {
        for await _ in headsStream {}
    }

    /// Returns every latency recorded, in milliseconds, once every connection has its events or
    /// after `timeout`.
    func latencies(waitingAtMost timeout: Duration) async -> [Double] {
        let done = doneStream
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in done {} }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return state.withLock { $0.latencies }
    }

    /// Closes every connection.
    func close() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// Reads one response: skips the head, undoes the chunked framing, and for each `data:` line
/// records the time since the send time its digits hold.
private final class LatencyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// What one read found.
    struct Report {
        var head = false
        var latencies: [Double] = []
        var completed = false
    }

    private let events: Int
    private let report: (Report) -> Void
    private var response = ChunkedResponseReader()
    private var stamps = SendTimeScanner()
    private var count = 0

    init(events: Int, report: @escaping (Report) -> Void) {
        self.events = events
        self.report = report
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = BenchSupport.monotonicNanoseconds()
        var found = Report()
        let buffer = unwrapInboundIn(data)
        // The scanner works on a local copy, so the per-byte loop touches no class property.
        var stamps = self.stamps
        buffer.withUnsafeReadableBytes { bytes in
            response.read(bytes, headEnded: { found.head = true }) { body in
                stamps.scan(body) { stamp in
                    if stamp > 0, stamp <= now { found.latencies.append(Double(now - stamp) / 1e6) }
                }
            }
        }
        self.stamps = stamps
        let before = count
        count += found.latencies.count
        found.completed = before < events && count >= events
        if found.head || found.completed || !found.latencies.isEmpty { report(found) }
    }
}

/// Finds the send time at the start of each `data:` line of an event stream's body, across
/// reads: a state machine over the bytes, so the measuring costs little beside what it measures.
struct SendTimeScanner {
    private static let dataPrefix = Array("data: ".utf8)
    /// How many bytes of `data: ` the current line has matched; `nil` once it cannot be a data line.
    private var matched: Int? = 0
    /// The digits read so far after the prefix.
    private var stamp: UInt64 = 0
    /// Whether the digits have ended (a non-digit followed them).
    private var digitsEnded = false

    /// Scans `bytes`, calling `found` with the send time of each `data:` line that ends in them.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, found: (UInt64) -> Void) {
        for byte in bytes {
            if byte == 10 {
                if matched == Self.dataPrefix.count { found(stamp) }
                matched = 0
                stamp = 0
                digitsEnded = false
                continue
            }
            guard let count = matched else { continue }
            if count < Self.dataPrefix.count {
                matched = Self.dataPrefix[count] == byte ? count + 1 : nil
            } else if !digitsEnded, (48...57).contains(byte) {
                stamp = stamp &* 10 &+ UInt64(byte - 48)
            } else {
                digitsEnded = true
            }
        }
    }
}
