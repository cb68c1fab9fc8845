import NIOCore
import NIOPosix

/// Raw connections to an event stream on 127.0.0.1, as the benchmarks' subscribers open them:
/// cheaper than an HTTP client, each with its own inbound handler.
enum StreamConnections {
    /// Opens `count` connections to 127.0.0.1:`port`, each with the handler `makeHandler` builds
    /// on its event loop; nothing is sent yet (see ``request(path:)``).
    ///
    /// - Parameters:
    ///   - count: How many connections.
    ///   - port: The server's port.
    ///   - group: The event loops the connections run on.
    ///   - makeHandler: Builds one connection's handler.
    /// - Returns: The connected channels, in order.
    static func open(
        count: Int,
        port: Int,
        group: MultiThreadedEventLoopGroup,
        makeHandler: @escaping @Sendable () -> any ChannelInboundHandler
    ) async throws -> [any Channel] {
        var channels: [any Channel] = []
        for _ in 0..<count {
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(makeHandler())
                    }
                }
                .connect(host: "127.0.0.1", port: port)
                .get()
            channels.append(channel)
        }
        return channels
    }

    /// The request each connection sends: `GET path` for an event stream.
    static func request(path: String) -> ByteBuffer {
        ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    }
}
