import Logging
import NIOCore
import NIOHTTP1
import SSETransport

/// Reads requests on one connection, decides each one's route and method as soon as its head
/// arrives, hands complete requests to their handlers one at a time and in order, and reports
/// writability and the end of the connection to the response in progress.
///
/// Pipelined requests wait in a queue behind the response in progress; while one waits the
/// connection stops reading, so a peer cannot queue more than one read's worth. A response that
/// closes the connection at its end (a stream, or `Connection: close`) says so in its head, and
/// the requests behind it are discarded. The request timeout runs whenever the connection waits
/// for its peer: from the start and after each response until the next request is complete; never
/// while a response is in progress.
final class HTTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The bounds a connection enforces; see ``EmbeddedHTTPServer/Configuration``.
    struct Limits: Sendable {
        var maximumBodySize: Int
        var requestTimeout: TimeAmount
        var pipeliningDepth: Int
    }

    /// A request answered in turn: by its handler, or at once with a refusal.
    private enum Work {
        case handle(HTTPServerRequest, any HTTPServerHandler, HTTPRequestHead)
        /// `closes` when the request's body is left unread, so the connection cannot go on.
        case refuse(HTTPServerResponse, HTTPRequestHead, closes: Bool)
    }

    /// The request whose parts are arriving.
    private enum Reading {
        case idle
        case request(HTTPRequestHead, any HTTPServerHandler, body: [UInt8])
        /// The parts of a request already answered, up to its end.
        case discarding
    }

    private let router: Router
    private let limits: Limits
    private let overLimit: Bool
    private let logger: Logger
    private var reading = Reading.idle
    private var queue = CircularBuffer<Work>(initialCapacity: 1)
    /// The response in progress.
    private var responder: NIOHTTPServerResponder?
    /// No request after the ones queued will be answered: further input is discarded.
    private var closing = false
    private var readPending = false
    private var timeout: Scheduled<Void>?

    /// Creates the handler of one connection.
    ///
    /// - Parameters:
    ///   - router: The routes.
    ///   - limits: The bounds to enforce.
    ///   - overLimit: The connection is beyond the server's connection limit: its first request
    ///     gets `503` and the connection closes.
    ///   - logger: Where connection errors go.
    init(router: Router, limits: Limits, overLimit: Bool = false, logger: Logger) {
        self.router = router
        self.limits = limits
        self.overLimit = overLimit
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armTimeout(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimeout(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            admit(head, context: context)
        case .body(let buffer):
            guard case .request(let head, let handler, var body) = reading else { return }
            reading = .idle
            guard body.count + buffer.readableBytes <= limits.maximumBodySize else {
                refuse(.text(413, "Request body larger than \(limits.maximumBodySize) bytes"), head, closes: true, context: context)
                return
            }
            body.append(contentsOf: buffer.readableBytesView)
            reading = .request(head, handler, body: body)
        case .end:
            let finished = reading
            reading = .idle
            guard case .request(let head, let handler, let body) = finished else { return }
            var headers = HTTPHeaderFields()
            for (name, value) in head.headers { headers.add(name: name, value: value) }
            let request = HTTPServerRequest(
                method: head.method.rawValue,
                uri: head.uri,
                headers: headers,
                body: body,
                remoteAddress: context.channel.remoteAddress?.description
            )
            enqueue(.handle(request, handler, head), context: context)
        }
    }

    /// Decides how a request is taken from its head alone.
    private func admit(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let hasBody = Self.announcesBody(head)
        if overLimit {
            return refuse(.text(503, "Too many connections; try again later"), head, closes: true, context: context)
        }
        if queue.count >= limits.pipeliningDepth {
            return refuse(.text(503, "Too many pipelined requests"), head, closes: true, context: context)
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard let handler = router.handler(for: path) else {
            return refuse(.text(404, "No route for \(path)"), head, closes: hasBody, context: context)
        }
        switch handler.admission(method: head.method.rawValue).kind {
        case .refused(let response):
            refuse(response, head, closes: hasBody, context: context)
        case .withoutBody where hasBody:
            refuse(.text(413, "\(head.method.rawValue) \(path) takes no request body"), head, closes: true, context: context)
        case .withBody where Self.contentLength(head) ?? 0 > limits.maximumBodySize:
            refuse(.text(413, "Request body larger than \(limits.maximumBodySize) bytes"), head, closes: true, context: context)
        case .withoutBody, .withBody:
            reading = .request(head, handler, body: [])
        }
    }

    /// Answers a request with `response` in its turn, without reading its body.
    private func refuse(_ response: HTTPServerResponse, _ head: HTTPRequestHead, closes: Bool, context: ChannelHandlerContext) {
        reading = .discarding
        if closes { closing = true }
        enqueue(.refuse(response, head, closes: closes), context: context)
    }

    private func enqueue(_ work: Work, context: ChannelHandlerContext) {
        queue.append(work)
        answerNext(context: context)
    }

    /// Starts the next queued response when none is in progress.
    private func answerNext(context: ChannelHandlerContext) {
        guard responder == nil else { return }
        guard let work = queue.popFirst() else {
            armTimeout(context: context)
            return
        }
        timeout?.cancel()
        timeout = nil
        switch work {
        case .handle(let request, let handler, let head):
            let responder = makeResponder(head, keepAlive: head.isKeepAlive, lingers: false, context: context)
            Task { await handler.handle(request, responder: responder) }
        case .refuse(let response, let head, let closes):
            let responder = makeResponder(head, keepAlive: head.isKeepAlive && !closes, lingers: closes, context: context)
            responder.respond(response)
        }
        if readPending && queue.isEmpty {
            readPending = false
            context.read()
        }
    }

    private func makeResponder(
        _ head: HTTPRequestHead,
        keepAlive: Bool,
        lingers: Bool,
        context: ChannelHandlerContext
    ) -> NIOHTTPServerResponder {
        let responder = NIOHTTPServerResponder(context: context, version: head.version, keepAlive: keepAlive, lingers: lingers) {
            [weak self] responder, progress in
            guard let self, self.responder === responder else { return }
            switch progress {
            case .closesAtEnd:
                self.discardTheRest(context: context)
            case .finished(closesConnection: true):
                // A lingering close waits for the peer at most one request timeout.
                self.discardTheRest(context: context)
                self.armTimeout(context: context)
            case .finished(closesConnection: false):
                self.responder = nil
                self.answerNext(context: context)
            }
        }
        self.responder = responder
        return responder
    }

    /// Forgets the queued requests of a connection that closes after the response in progress.
    private func discardTheRest(context: ChannelHandlerContext) {
        closing = true
        queue.removeAll()
        if readPending {
            readPending = false
            context.read()
        }
    }

    private func armTimeout(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: limits.requestTimeout) {
            context.close(promise: nil)
        }
    }

    /// Reads only while no complete request waits, so pipelining cannot queue without bound.
    func read(context: ChannelHandlerContext) {
        if queue.isEmpty || closing {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { responder?.becameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        queue.removeAll()
        responder?.connectionClosed()
        responder = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("Connection error: \(error)")
        context.close(promise: nil)
    }

    /// Whether the head says a body follows.
    private static func announcesBody(_ head: HTTPRequestHead) -> Bool {
        head.headers.contains(name: "transfer-encoding") || (contentLength(head) ?? 0) > 0
    }

    private static func contentLength(_ head: HTTPRequestHead) -> Int? {
        head.headers.first(name: "content-length").flatMap { Int($0) }
    }
}
