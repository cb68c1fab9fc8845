import NIOCore
import NIOPosix
import SSEProtocol

/// A client on a raw socket that sends one request and collects every byte of the answer.
public final class RawClient: Sendable {
    private let channel: any Channel
    private let received: LockedState<[UInt8]>

    private init(channel: any Channel, received: LockedState<[UInt8]>) {
        self.channel = channel
        self.received = received
    }

    /// Connects and sends `request`; with `reads: false` it never reads, so the server's writes
    /// back up.
    public static func send(_ request: String, port: Int, reads: Bool = true) async throws -> RawClient {
        let received = LockedState<[UInt8]>([])
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: reads)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return RawClient(channel: channel, received: received)
    }

    /// The bytes received so far.
    public var bytes: [UInt8] { received.withLock { $0 } }

    /// The response head as text and the body bytes after it, once the head arrived.
    public var headAndBody: (head: String, body: [UInt8])? {
        let bytes = bytes
        let end = Array("\r\n\r\n".utf8)
        guard bytes.count >= end.count,
              let start = (0...(bytes.count - end.count)).first(where: { Array(bytes[$0..<$0 + end.count]) == end })
        else { return nil }
        return (String(decoding: bytes[..<start], as: UTF8.self), Array(bytes[(start + end.count)...]))
    }

    /// Closes the connection.
    public func close() {
        channel.close(promise: nil)
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: LockedState<[UInt8]>
        init(received: LockedState<[UInt8]>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }
    }
}
