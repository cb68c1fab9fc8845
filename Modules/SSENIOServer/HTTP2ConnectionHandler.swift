import NIOCore
import NIOHTTP2

/// Watches an HTTP/2 connection as a whole, behind its `NIOHTTP2Handler`: closes it when it has
/// had no open stream for the request timeout (counted from when it opens, so a slow TLS handshake
/// or HTTP/2 preface counts too), and on a graceful shutdown sends `GOAWAY` and closes it once its
/// streams have ended.
///
/// Each stream is served by its own ``HTTPConnectionHandler``; this handler only counts them,
/// through its ``StreamDelegate``.
final class HTTP2ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let requestTimeout: TimeAmount
    private var openStreams = 0
    private var lastStreamID = HTTP2StreamID.rootStream
    private var quiescing = false
    private var timeout: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    /// Creates the handler of one connection.
    ///
    /// - Parameter requestTimeout: How long the connection may stay without an open stream.
    init(requestTimeout: TimeAmount) {
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { armTimeout(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimeout(context: context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { goAway(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    /// The `NIOHTTP2Handler` reports its streams to this delegate (its inline multiplexer sends
    /// no stream events down the pipeline); it calls on the connection's event loop.
    struct StreamDelegate: NIOHTTP2StreamDelegate {
        let handler: NIOLoopBound<HTTP2ConnectionHandler>

        func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
            handler.value.streamCreated(id)
        }

        func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
            handler.value.streamClosed()
        }
    }

    private func streamCreated(_ id: HTTP2StreamID) {
        openStreams += 1
        lastStreamID = max(lastStreamID, id)
        timeout?.cancel()
        timeout = nil
    }

    private func streamClosed() {
        openStreams -= 1
        guard openStreams == 0, let context else { return }
        if quiescing {
            context.close(promise: nil)
        } else {
            armTimeout(context: context)
        }
    }

    /// Tells the peer to open no more streams; the connection closes once the open ones end.
    private func goAway(context: ChannelHandlerContext) {
        guard !quiescing else { return }
        quiescing = true
        let frame = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        if openStreams == 0 { context.close(promise: nil) }
    }

    private func armTimeout(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        context.fireChannelInactive()
    }
}
