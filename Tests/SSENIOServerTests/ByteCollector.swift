import NIOCore
import NIOPosix
import SSEProtocol

/// A raw TCP test client that collects everything the server sends and lets a test wait until
/// the bytes satisfy a condition (or the connection closes), with a ten-second deadline.
final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Timeout: Error {}

    private struct State {
        var bytes: [UInt8] = []
        var closed = false
        var expired = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = LockedState(State())
    private let channel = LockedState<(any Channel)?>(nil)
    /// Sent by the event loop as soon as the connection is up, so that a busy test process
    /// cannot delay the request past a server's request timeout.
    private let firstBytes: [UInt8]

    private init(firstBytes: [UInt8]) {
        self.firstBytes = firstBytes
    }

    /// Connects to `127.0.0.1:port` and sends `bytes`.
    static func send(_ bytes: [UInt8], port: Int) async throws -> ByteCollector {
        let collector = ByteCollector(firstBytes: bytes)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        collector.channel.withLock { $0 = channel }
        return collector
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.withLock { $0 }?.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func close() async {
        try? await channel.withLock { $0 }?.close()
    }

    /// The text received so far, once `condition` holds for it or the connection closed.
    func text(until condition: @escaping @Sendable (String, Bool) -> Bool) async throws -> String {
        let deadline = channel.withLock { $0 }?.eventLoop.scheduleTask(in: .seconds(10)) { self.expire() }
        defer { deadline?.cancel() }
        while true {
            let (text, closed, expired) = state.withLock { (String(decoding: $0.bytes, as: UTF8.self), $0.closed, $0.expired) }
            if condition(text, closed) { return text }
            if expired || closed { throw Timeout() }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let changed = state.withLock { state in
                    if String(decoding: state.bytes, as: UTF8.self) != text || state.closed || state.expired { return true }
                    state.waiter = continuation
                    return false
                }
                if changed { continuation.resume() }
            }
        }
    }

    /// Whether the server has not closed the connection so far.
    var isOpen: Bool {
        !state.withLock { $0.closed }
    }

    /// The text received until the server closed the connection.
    func textUntilClosed() async throws -> String {
        try await text { _, closed in closed }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: firstBytes)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        signal { $0.bytes.append(contentsOf: buffer.readableBytesView) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        signal { $0.closed = true }
    }

    private func expire() {
        signal { $0.expired = true }
    }

    private func signal(_ change: (inout State) -> Void) {
        let waiter = state.withLock { state in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
