import NIOCore
import NIOHTTP1
import SSETransport

/// The `HTTPServerResponder` of the embedded server: writes through the connection's
/// pipeline, merging the writes between two flushes into one buffer.
///
/// All state is touched only on the connection's event loop (the protocol's contract), which is
/// what makes the unchecked `Sendable` sound.
final class NIOHTTPServerResponder: HTTPServerResponder, @unchecked Sendable {
    /// What the connection hears about its response.
    enum Progress {
        /// The head went out, and the connection closes once the response ends: requests behind
        /// this one will not be answered.
        case closesAtEnd
        /// The response ended; `closesConnection` tells whether the connection closes now.
        case finished(closesConnection: Bool)
    }

    private enum State {
        case idle
        case open(closesAtEnd: Bool)
        case finished
    }

    private let context: ChannelHandlerContext
    private let eventLoop: any EventLoop
    private let version: HTTPVersion
    private let keepAlive: Bool
    private let lingers: Bool
    private let onProgress: (NIOHTTPServerResponder, Progress) -> Void
    private var state = State.idle
    private var pending: ByteBuffer?
    private var eventHandler: (@Sendable (HTTPServerResponderEvent) -> Void)?
    private var connectionGone = false

    init(
        context: ChannelHandlerContext,
        version: HTTPVersion,
        keepAlive: Bool,
        lingers: Bool = false,
        onProgress: @escaping (NIOHTTPServerResponder, Progress) -> Void
    ) {
        self.context = context
        self.eventLoop = context.eventLoop
        self.version = version
        self.keepAlive = keepAlive
        self.lingers = lingers
        self.onProgress = onProgress
    }

    func execute(_ work: @escaping @Sendable () -> Void) {
        eventLoop.execute(work)
    }

    func setEventHandler(_ handler: @escaping @Sendable (HTTPServerResponderEvent) -> Void) {
        if connectionGone {
            handler(.closed)
        } else {
            eventHandler = handler
        }
    }

    var isWritable: Bool {
        context.channel.isWritable
    }

    func writeHead(_ head: HTTPServerResponseHead) {
        guard case .idle = state else { return }
        var headers = HTTPHeaders()
        for field in head.headers { headers.add(name: field.name, value: field.value) }
        let streams = !headers.contains(name: "content-length")
        let closesAtEnd = streams || !keepAlive
        state = .open(closesAtEnd: closesAtEnd)
        if closesAtEnd {
            // Tell the peer that requests it pipelined behind this one will not be answered,
            // unless the handler chose its own Connection header.
            if !headers.contains(name: "connection") { headers.add(name: "Connection", value: "close") }
            onProgress(self, .closesAtEnd)
        }
        let responseHead = HTTPResponseHead(
            version: version,
            status: HTTPResponseStatus(statusCode: head.status),
            headers: headers
        )
        context.write(NIOAny(HTTPServerResponsePart.head(responseHead)), promise: nil)
    }

    func write(_ bytes: [UInt8]) {
        write(contentsOf: [bytes])
    }

    func write(contentsOf pieces: [[UInt8]]) {
        guard case .open = state else { return }
        var buffer = pending ?? context.channel.allocator.buffer(capacity: 0)
        pending = nil
        var size = 0
        for piece in pieces { size += piece.count }
        buffer.reserveCapacity(minimumWritableBytes: size)
        for piece in pieces {
            piece.withUnsafeBytes { _ = buffer.writeBytes($0) }
        }
        if buffer.readableBytes > 0 { pending = buffer }
    }

    func flush() {
        if let body = pending {
            pending = nil
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        }
        context.flush()
    }

    func finish() {
        guard case .open(let closesAtEnd) = state else { return }
        if let body = pending {
            pending = nil
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        }
        state = .finished
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: done)
        if closesAtEnd && lingers {
            // The peer may still be sending a body nobody reads: closing now would reset the
            // connection and could destroy the response before the peer reads it. Close only the
            // output; the connection closes when the peer does or its request timeout expires.
            done.futureResult.whenComplete { _ in
                let halfClosed = self.eventLoop.makePromise(of: Void.self)
                halfClosed.futureResult.whenFailure { _ in self.context.close(promise: nil) }
                self.context.close(mode: .output, promise: halfClosed)
            }
        } else if closesAtEnd {
            done.futureResult.whenComplete { _ in
                self.context.close(promise: nil)
                self.connectionClosed()
            }
        } else {
            eventHandler = nil
        }
        onProgress(self, .finished(closesConnection: closesAtEnd))
    }

    func close() {
        pending = nil
        state = .finished
        context.close(promise: nil)
    }

    /// Called by the connection when the channel turned writable again.
    func becameWritable() {
        eventHandler?(.writable)
    }

    /// Called by the connection when the channel closed.
    func connectionClosed() {
        guard !connectionGone else { return }
        connectionGone = true
        state = .finished
        pending = nil
        let handler = eventHandler
        eventHandler = nil
        handler?(.closed)
    }
}
