import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SSELogging
import SSETransport

/// A small HTTP server on SwiftNIO that serves handlers mounted by path: cleartext HTTP/1.1 by
/// default, HTTP/2 with prior knowledge, or TLS with HTTP/2 and HTTP/1.1 (see ``Protocols``).
///
/// Start it, mount handlers, read its port:
///
/// ```swift
/// let http = try await EmbeddedHTTPServer.start(port: 0, routes: ["/time": timeHandler])
/// print("listening on", http.port)
/// http.mount("/", ResponseHandler { _ in .text(200, "hello") })
/// try await http.shutdown()
/// ```
///
/// Routes match the request path exactly (the query is ignored). Route and method are decided as
/// soon as a request head arrives: an unknown path gets `404 Not Found` and a method the route
/// refuses (see ``HTTPServerHandler/admission(method:)``) its refusal, without waiting for a
/// body; a body sent to a route that takes none gets `413` and `Connection: close`, and is never
/// buffered. A request the HTTP parser rejects gets `400 Bad Request` and the connection is
/// closed. Pipelined requests are answered in order; a response that closes the connection at
/// its end (every streamed response) says `Connection: close` unless its handler set a
/// `Connection` header of its own. Every connection reads
/// continuously while it waits for no queued request, so a streamed response learns at once when
/// its peer leaves.
///
/// The server bounds what a peer can hold: see ``Configuration/requestTimeout``,
/// ``Configuration/maximumConnections`` and ``Configuration/pipeliningDepth``. When the process
/// runs out of file descriptors, the server keeps serving its connections and stops accepting
/// new ones for a second at a time, instead of retrying `accept` in a busy loop.
///
/// Over HTTP/2 each stream is served like an HTTP/1.1 connection with one request, with its own
/// flow control, so a slow stream never stalls the others of its connection. The connection limit
/// counts connections, not streams; ``Configuration/maximumConcurrentStreams`` bounds the streams
/// of each, and the request timeout closes a connection that has had no open stream for that long
/// (from when it opens, so it covers the TLS handshake). ``shutdown()`` sends `GOAWAY` on each
/// HTTP/2 connection before closing it.
public final class EmbeddedHTTPServer: Sendable {
    /// Settings for an ``EmbeddedHTTPServer``.
    public struct Configuration: Sendable {
        /// The event loops that serve connections. Defaults to `MultiThreadedEventLoopGroup.singleton`.
        public var eventLoopGroup: any EventLoopGroup
        /// The largest request body accepted, in bytes; larger ones get `413`. Defaults to 1 MiB.
        public var maximumRequestBodySize: Int
        /// How many bytes a connection may buffer for a slow peer before its responder reports
        /// that it is not writable. Defaults to 64 KiB.
        public var writeBufferHighWatermark: Int
        /// The listen backlog. Defaults to 4096.
        public var backlog: Int32
        /// Where connection errors are logged. Defaults to `Logger.disabled`.
        public var logger: Logger
        /// How long a connection may take to send a complete request (head and body), counted from
        /// when it opens or its previous response ended; a connection that takes longer, or sits
        /// idle this long between requests, is closed. A response in progress, such as an event
        /// stream, never counts as idle. Defaults to 10 seconds.
        public var requestTimeout: Duration
        /// How many connections are served at once, streaming ones included; the first request on
        /// each connection beyond it gets `503 Service Unavailable` and the connection closes.
        /// Defaults to 10,000.
        public var maximumConnections: Int
        /// How many pipelined requests a connection may queue behind the one being answered; the
        /// next one gets `503` with `Connection: close`. Defaults to 16.
        public var pipeliningDepth: Int
        /// The protocols served. Defaults to ``Protocols/http1``.
        public var protocols: Protocols
        /// How many streams each HTTP/2 connection may have open at once, advertised to the peer
        /// in its `SETTINGS`; further streams are refused. Defaults to 1,000.
        public var maximumConcurrentStreams: Int

        /// Creates a configuration; every parameter defaults as documented on its property.
        ///
        /// - Parameters:
        ///   - eventLoopGroup: The event loops that serve connections.
        ///   - maximumRequestBodySize: The largest request body accepted.
        ///   - writeBufferHighWatermark: The buffered bytes at which a responder stops being writable.
        ///   - backlog: The listen backlog.
        ///   - logger: Where connection errors are logged.
        ///   - requestTimeout: How long a connection may take to send a request, or stay idle.
        ///   - maximumConnections: How many connections are served at once.
        ///   - pipeliningDepth: How many pipelined requests a connection may queue.
        ///   - protocols: The protocols served.
        ///   - maximumConcurrentStreams: How many streams each HTTP/2 connection may have open.
        public init(
            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
            maximumRequestBodySize: Int = 1 << 20,
            writeBufferHighWatermark: Int = 64 * 1024,
            backlog: Int32 = 4096,
            logger: Logger = .disabled,
            requestTimeout: Duration = .seconds(10),
            maximumConnections: Int = 10_000,
            pipeliningDepth: Int = 16,
            protocols: Protocols = .http1,
            maximumConcurrentStreams: Int = 1_000
        ) {
            self.eventLoopGroup = eventLoopGroup
            self.maximumRequestBodySize = maximumRequestBodySize
            self.writeBufferHighWatermark = writeBufferHighWatermark
            self.backlog = backlog
            self.logger = logger
            self.requestTimeout = requestTimeout
            self.maximumConnections = maximumConnections
            self.pipeliningDepth = pipeliningDepth
            self.protocols = protocols
            self.maximumConcurrentStreams = maximumConcurrentStreams
        }
    }

    /// The port the server listens on; the real one when it was started with port `0`.
    public let port: Int

    private let listener: any Channel
    private let router: Router
    private let connections: ConnectionRegistry

    private init(listener: any Channel, router: Router, connections: ConnectionRegistry) {
        self.listener = listener
        self.router = router
        self.connections = connections
        self.port = listener.localAddress?.port ?? 0
    }

    /// Starts a server.
    ///
    /// - Parameters:
    ///   - host: The address to listen on. Defaults to `127.0.0.1`.
    ///   - port: The port to listen on; `0` picks a free one (read it from ``port``). Defaults to `0`.
    ///   - routes: Handlers by exact request path, for example `["/time": server.handler(channel: "time")]`.
    ///   - configuration: The server's settings.
    /// - Returns: The running server.
    /// - Throws: When the address cannot be bound, or a TLS certificate or key file cannot be read.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        routes: [String: any HTTPServerHandler] = [:],
        configuration: Configuration = Configuration()
    ) async throws -> EmbeddedHTTPServer {
        let router = Router(routes: routes)
        let connections = ConnectionRegistry(maximumConnections: configuration.maximumConnections)
        let limits = HTTPConnectionHandler.Limits(
            maximumBodySize: configuration.maximumRequestBodySize,
            requestTimeout: TimeAmount(configuration.requestTimeout),
            pipeliningDepth: configuration.pipeliningDepth
        )
        let pipeline = try ConnectionPipeline(
            protocols: configuration.protocols,
            router: router,
            limits: limits,
            maximumConcurrentStreams: configuration.maximumConcurrentStreams,
            writeBufferHighWatermark: configuration.writeBufferHighWatermark,
            logger: configuration.logger
        )
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(
            low: configuration.writeBufferHighWatermark / 2,
            high: configuration.writeBufferHighWatermark
        )
        let listener = try await ServerBootstrap(group: configuration.eventLoopGroup)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Without it, running out of file descriptors makes the loop retry `accept` at once,
            // forever (see AcceptPauseHandler for why SwiftNIO's own back-off does not help).
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(pause: .seconds(1)))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: waterMark)
            // Subscribers rarely send more than one small request: start with small read buffers,
            // which every idle connection keeps for reuse.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65536))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let admission = connections.add(channel)
                    guard admission != .shutDown else {
                        channel.close(promise: nil)
                        return
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    try pipeline.configure(channel, overLimit: admission == .overLimit)
                }
            }
            .bind(host: host, port: port)
            .get()
        return EmbeddedHTTPServer(listener: listener, router: router, connections: connections)
    }

    /// Mounts a handler at a path, replacing any handler already there.
    ///
    /// - Parameters:
    ///   - path: The exact request path, for example `/` or `/news`.
    ///   - handler: The handler.
    public func mount(_ path: String, _ handler: any HTTPServerHandler) {
        router.mount(path, handler)
    }

    /// Stops accepting connections and closes every open one, ending their responses; an HTTP/2
    /// connection first gets `GOAWAY`, so its peer knows no further stream will be served.
    ///
    /// Calling it again does nothing.
    ///
    /// - Throws: When the listening socket fails to close.
    public func shutdown() async throws {
        let open = connections.closeAll()
        do {
            try await listener.close()
        } catch ChannelError.alreadyClosed {}
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            try? await channel.close()
        }
    }
}
