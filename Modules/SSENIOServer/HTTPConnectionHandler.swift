import Logging
import NIOCore
import NIOHTTP1
import SSETransport

/// Reads requests on one connection, hands each to its route's handler with a responder, and
/// reports writability and the end of the connection to the response in progress.
final class HTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Limits: Sendable {
        var maximumBodySize: Int
    }

    private let router: Router
    private let limits: Limits
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    /// The response in progress; requests that arrive meanwhile are dropped.
    private var responder: NIOHTTPServerResponder?

    init(router: Router, limits: Limits, logger: Logger) {
        self.router = router
        self.limits = limits
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard responder == nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
            bodyTooLarge = false
        case .body(let buffer):
            if body.count + buffer.readableBytes > limits.maximumBodySize {
                bodyTooLarge = true
            } else {
                body.append(contentsOf: buffer.readableBytesView)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            dispatch(head, context: context)
        }
    }

    private func dispatch(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let responder = NIOHTTPServerResponder(context: context, version: head.version, keepAlive: head.isKeepAlive) {
            [weak self] finished in
            if self?.responder === finished { self?.responder = nil }
        }
        self.responder = responder
        var headers = HTTPHeaderFields()
        for (name, value) in head.headers { headers.add(name: name, value: value) }
        let request = HTTPServerRequest(
            method: head.method.rawValue,
            uri: head.uri,
            headers: headers,
            body: body,
            remoteAddress: context.remoteAddress?.description
        )
        body = []
        if bodyTooLarge {
            responder.respond(.text(413, "Request body larger than \(limits.maximumBodySize) bytes"))
        } else if let handler = router.handler(for: request.path) {
            Task { await handler.handle(request, responder: responder) }
        } else {
            responder.respond(.text(404, "No route for \(request.path)"))
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { responder?.becameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        responder?.connectionClosed()
        responder = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("Connection error: \(error)")
        context.close(promise: nil)
    }
}
