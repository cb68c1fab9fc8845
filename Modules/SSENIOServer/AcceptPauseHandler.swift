import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops a listening channel from accepting for a while when `accept` fails for want of
/// resources (file descriptors, buffers, memory), so the event loop keeps serving the
/// connections it has instead of retrying `accept` in a busy loop.
///
/// SwiftNIO's `AcceptBackoffHandler` cannot do this: it delays the next `read`, but a server
/// channel whose `accept` failed before accepting anything still has its read pending, asks for
/// no new `read`, and stays registered for readability; the pending connection keeps the socket
/// readable, so the loop wakes at once, forever. Turning `autoRead` off unregisters the socket
/// from the selector whatever is pending; turning it back on resumes accepting.
final class AcceptPauseHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let pause: TimeAmount
    private var resumption: Scheduled<Void>?

    /// Creates the handler.
    ///
    /// - Parameter pause: How long accepting stops after such a failure.
    init(pause: TimeAmount) {
        self.pause = pause
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        guard resumption == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        resumption = context.eventLoop.assumeIsolated().scheduleTask(in: pause) {
            self.resumption = nil
            try? options.setOption(.autoRead, value: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }
}
