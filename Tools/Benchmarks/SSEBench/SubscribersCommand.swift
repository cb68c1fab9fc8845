#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import NIOCore
import NIOPosix
import SSEProtocol

/// The subscriber side of the benchmarks, run by them in a separate process: raw sockets
/// that subscribe and count events.
///
/// Prints `ready` once every response head arrived, then (when `--events` is positive)
/// `done NANOSECONDS DELIVERED` once every connection counted its events.
struct SubscribersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers",
        abstract: "Opens subscriber connections and counts events (used by the other commands).",
        shouldDisplay: false
    )

    @Option(help: "The server's port.")
    var port: Int

    @Option(help: "The path to subscribe to.")
    var path = "/bench"

    @Option(help: "How many connections to open.")
    var connections: Int

    @Option(help: "How many events each connection waits for; 0 to stay idle.")
    var events = 0

    func run() async throws {
        BenchSupport.raiseOpenFileLimit(to: connections + 64)
        let tally = Tally(connections: connections, events: events)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let opened = try await StreamConnections.open(count: connections, port: port, group: group) {
            CountingHandler(tally: tally)
        }
        let request = StreamConnections.request(path: path)
        for channel in opened { channel.writeAndFlush(request, promise: nil) }
        await tally.finished()
        for channel in opened { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// Counts heads and events over every connection and reports progress on standard output.
final class Tally: Sendable {
    private struct State {
        var heads = 0
        var completed = 0
        var delivered = 0
        var waiter: CheckedContinuation<Void, Never>?
        var done = false
    }

    let connections: Int
    let events: Int
    private let state = LockedState(State())

    init(connections: Int, events: Int) {
        self.connections = connections
        self.events = events
    }

    func headReceived() {
        let ready = state.withLock { state in
            state.heads += 1
            return state.heads == connections
        }
        if ready {
            print("ready")
            fflushStandardOutput()
        }
    }

    func connectionCompleted(delivered: Int) {
        let now = BenchSupport.monotonicNanoseconds()
        let total = state.withLock { state -> Int? in
            state.completed += 1
            state.delivered += delivered
            return state.completed == connections ? state.delivered : nil
        }
        guard let total else { return }
        print("done \(now) \(total)")
        fflushStandardOutput()
        finish()
    }

    func connectionLost(delivered: Int) {
        print("lost a connection after \(delivered) events")
        fflushStandardOutput()
        finish()
    }

    func finished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if !state.done { state.waiter = continuation }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    private func finish() {
        let waiter = state.withLock { state in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

/// Reads one response: skips the head, undoes the chunked framing, counts blank-line event ends.
final class CountingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let tally: Tally
    private var response = ChunkedResponseReader()
    private var lastWasNewline = false
    private var count = 0
    private var completed = false

    init(tally: Tally) {
        self.tally = tally
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            response.read(bytes, headEnded: tally.headReceived) { body in count += countEventEnds(body) }
        }
        if !completed, tally.events > 0, count >= tally.events {
            completed = true
            tally.connectionCompleted(delivered: count)
        }
    }

    /// Counts blank lines (`\n\n`, also across reads) with `memchr`.
    private func countEventEnds(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var events = 0
        var position = 0
        var pairEnd = -1
        if lastWasNewline, bytes[0] == 10 {
            events += 1
            pairEnd = 0
            position = 1
        }
        while position < bytes.count, let hit = memchr(base + position, 10, bytes.count - position) {
            let index = base.distance(to: UnsafeRawPointer(hit))
            if index + 1 < bytes.count, bytes[index + 1] == 10 {
                events += 1
                pairEnd = index + 1
                position = index + 2
            } else {
                position = index + 1
            }
        }
        lastWasNewline = bytes[bytes.count - 1] == 10 && pairEnd != bytes.count - 1
        return events
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !completed, tally.events > 0 { tally.connectionLost(delivered: count) }
        context.fireChannelInactive()
    }
}
