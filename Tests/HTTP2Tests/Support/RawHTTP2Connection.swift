import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix

/// A bare cleartext HTTP/2 client (prior knowledge) on SwiftNIO, for what AsyncHTTPClient hides:
/// a stream that reads nothing (so its flow-control window closes), the server's `SETTINGS`,
/// `GOAWAY`, and streams refused beyond the server's limit.
final class RawHTTP2Connection: Sendable {
    /// What arrived on the connection's root stream, and whether it closed.
    struct Connection: Sendable {
        var settings: [HTTP2Setting] = []
        var goAway: HTTP2StreamID?
        var closed = false
    }

    /// What arrived on one stream.
    struct Stream: Sendable {
        var status: Int?
        var body = ""
        var ended = false
        var closed = false
        var error: String?
    }

    let channel: any Channel
    private let multiplexer: NIOLoopBound<NIOHTTP2Handler.StreamMultiplexer>
    /// The connection's state.
    let state: Watched<Connection>

    private init(channel: any Channel, multiplexer: NIOLoopBound<NIOHTTP2Handler.StreamMultiplexer>, state: Watched<Connection>) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.state = state
    }

    /// Connects to `127.0.0.1:port` and speaks HTTP/2 at once.
    static func connect(port: Int) async throws -> RawHTTP2Connection {
        let state = Watched(Connection())
        let ready = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: NIOLoopBound<NIOHTTP2Handler.StreamMultiplexer>.self)
        // The pipeline is set up before the connection opens, so the server's first frames are
        // not lost.
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    let multiplexer = try sync.configureHTTP2Pipeline(
                        mode: .client,
                        connectionConfiguration: .init(),
                        streamConfiguration: .init()
                    ) { $0.eventLoop.makeSucceededVoidFuture() }
                    try sync.addHandler(RootRecorder(state: state))
                    ready.succeed(NIOLoopBound(multiplexer, eventLoop: channel.eventLoop))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        let multiplexer = try await ready.futureResult.get()
        return RawHTTP2Connection(channel: channel, multiplexer: multiplexer, state: state)
    }

    /// Opens a stream with a `GET` of `path`; does not wait for the request to go out (the client
    /// holds a stream back while the server's stream limit is reached).
    ///
    /// - Parameter reads: When `false`, the stream reads nothing, so its window is never reopened.
    /// - Returns: The stream.
    func get(_ path: String, reads: Bool = true) async throws -> RawHTTP2Stream {
        let stream = Watched(Stream())
        let multiplexer = self.multiplexer
        let channel = try await self.channel.eventLoop.flatSubmit {
            multiplexer.value.createStreamChannel { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .http))
                    try child.pipeline.syncOperations.addHandler(StreamRecorder(state: stream))
                    if !reads { try child.syncOptions?.setOption(.autoRead, value: false) }
                }
            }
        }.get()
        let head = HTTPRequestHead(version: .http2, method: .GET, uri: path, headers: ["host": "127.0.0.1"])
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return RawHTTP2Stream(channel: channel, state: stream)
    }

    func close() async {
        try? await channel.close()
    }
}

/// One stream of a ``RawHTTP2Connection``.
struct RawHTTP2Stream: Sendable {
    let channel: any Channel
    let state: Watched<RawHTTP2Connection.Stream>

    /// What arrived so far.
    var value: RawHTTP2Connection.Stream { state.value }

    /// Waits until `check` holds for what arrived, for at most `timeout`.
    func wait(timeout: TimeAmount = .seconds(10), until check: @escaping @Sendable (RawHTTP2Connection.Stream) -> Bool) async -> Bool {
        await state.wait(timeout: timeout, until: check)
    }
}

private final class RootRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    let state: Watched<RawHTTP2Connection.Connection>

    init(state: Watched<RawHTTP2Connection.Connection>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data).payload {
        case .settings(.settings(let settings)): state.update { $0.settings += settings }
        case .goAway(let lastStreamID, _, _): state.update { $0.goAway = lastStreamID }
        default: break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.update { $0.closed = true }
        context.fireChannelInactive()
    }
}

private final class StreamRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let state: Watched<RawHTTP2Connection.Stream>

    init(state: Watched<RawHTTP2Connection.Stream>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): state.update { $0.status = Int(head.status.code) }
        case .body(let buffer): state.update { $0.body += String(decoding: buffer.readableBytesView, as: UTF8.self) }
        case .end: state.update { $0.ended = true }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.update { $0.error = "\(error)" }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.update { $0.closed = true }
        context.fireChannelInactive()
    }
}
