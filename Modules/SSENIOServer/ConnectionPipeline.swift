import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Sets up the pipeline of each accepted connection for the protocols the server speaks: HTTP/1.1,
/// HTTP/2 with prior knowledge, or TLS that chooses between them through ALPN.
///
/// Every HTTP/1.1 connection and every HTTP/2 stream is served by an ``HTTPConnectionHandler``;
/// an HTTP/2 connection as a whole is watched by an ``HTTP2ConnectionHandler``.
struct ConnectionPipeline: Sendable {
    private enum Mode: Sendable {
        case http1
        case http2
        case tls(NIOSSLContext)
    }

    private let mode: Mode
    private let router: Router
    private let limits: HTTPConnectionHandler.Limits
    private let logger: Logger
    private let http2: NIOHTTP2Handler.Configuration

    /// Prepares the pipelines of a server; reads the certificate and key files for TLS.
    ///
    /// - Throws: When a TLS file cannot be read or does not hold what it should.
    init(
        protocols: EmbeddedHTTPServer.Protocols,
        router: Router,
        limits: HTTPConnectionHandler.Limits,
        maximumConcurrentStreams: Int,
        writeBufferHighWatermark: Int,
        logger: Logger
    ) throws {
        switch protocols.kind {
        case .http1:
            mode = .http1
        case .http2PriorKnowledge:
            mode = .http2
        case .tls(let certificateChainFile, let privateKeyFile):
            let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile)
            let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            tls.applicationProtocols = ["h2", "http/1.1"]
            mode = .tls(try NIOSSLContext(configuration: tls))
        }
        self.router = router
        self.limits = limits
        self.logger = logger
        var http2 = NIOHTTP2Handler.Configuration()
        http2.connection.initialSettings = nioDefaultSettings.filter { $0.parameter != .maxConcurrentStreams }
            + [HTTP2Setting(parameter: .maxConcurrentStreams, value: maximumConcurrentStreams)]
        // A stream stops being writable once this much waits for its flow-control window, so a
        // slow stream holds back only itself.
        http2.stream.outboundBufferSizeHighWatermark = writeBufferHighWatermark
        http2.stream.outboundBufferSizeLowWatermark = writeBufferHighWatermark / 2
        self.http2 = http2
    }

    /// Adds the handlers of a new connection.
    ///
    /// - Parameters:
    ///   - channel: The accepted connection, on its event loop.
    ///   - overLimit: The connection is beyond the connection limit: its requests get `503`.
    func configure(_ channel: any Channel, overLimit: Bool) throws {
        switch mode {
        case .http1:
            try configureHTTP1(channel, overLimit: overLimit)
        case .http2:
            try configureHTTP2(channel, overLimit: overLimit)
        case .tls(let context):
            // The request timeout covers the handshake: nothing else runs before it is done.
            let handshake = channel.eventLoop.scheduleTask(in: limits.requestTimeout) { channel.close(promise: nil) }
            channel.closeFuture.whenComplete { _ in handshake.cancel() }
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: context))
            try sync.addHandler(ApplicationProtocolNegotiationHandler { result in
                handshake.cancel()
                return channel.eventLoop.makeCompletedFuture {
                    if case .negotiated("h2") = result {
                        try configureHTTP2(channel, overLimit: overLimit)
                    } else {
                        try configureHTTP1(channel, overLimit: overLimit)
                    }
                }
            })
        }
    }

    private func configureHTTP1(_ channel: any Channel, overLimit: Bool) throws {
        let sync = channel.pipeline.syncOperations
        try sync.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
        try sync.addHandler(HTTPConnectionHandler(router: router, limits: limits, overLimit: overLimit, logger: logger))
    }

    private func configureHTTP2(_ channel: any Channel, overLimit: Bool) throws {
        let sync = channel.pipeline.syncOperations
        let router = router
        let limits = limits
        let logger = logger
        let connection = HTTP2ConnectionHandler(requestTimeout: limits.requestTimeout)
        _ = try sync.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: http2.connection,
            streamConfiguration: http2.stream,
            streamDelegate: HTTP2ConnectionHandler.StreamDelegate(handler: NIOLoopBound(connection, eventLoop: channel.eventLoop))
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try sync.addHandler(HTTPConnectionHandler(router: router, limits: limits, overLimit: overLimit, logger: logger))
            }
        }
        try sync.addHandler(connection)
    }
}
