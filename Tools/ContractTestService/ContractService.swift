#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import SSEAsyncHTTPClient
import SSEClient
import SSEProtocol
import SSETransport

/// The HTTP service a contract-test harness drives: `GET /` (capabilities), `DELETE /` (stop),
/// `POST /` (create a stream), `POST /streams/N` (command), `DELETE /streams/N` (close).
final class ContractService: Sendable {
    private let host: String
    private let port: Int
    private let transport: any ClientTransport
    private let streams = LockedState<(next: Int, byID: [Int: ContractStream])>((1, [:]))
    private let stopSignal: AsyncStream<Void>.Continuation
    private let stopped: AsyncStream<Void>

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port to listen on; 0 picks a free one.
    ///   - transport: The transport the streams use.
    init(host: String, port: Int, transport: any ClientTransport = AsyncHTTPClientTransport.shared) {
        self.host = host
        self.port = port
        self.transport = transport
        (stopped, stopSignal) = AsyncStream.makeStream()
    }

    /// Serves until `DELETE /` or until the task is cancelled; closes every stream on the way out.
    ///
    /// - Parameter onListening: Called with the bound port once the service accepts requests.
    /// - Throws: When the port cannot be bound.
    func run(onListening: @Sendable (Int) -> Void) async throws {
        let connections = ConnectionRegistry()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ContractHTTPHandler(service: self))
                }
            }
            .bind(host: host, port: port)
            .get()
        onListening(server.localAddress?.port ?? port)
        for await _ in stopped { break }
        closeAllStreams()
        try? await server.close()
        connections.closeAll()
    }

    private func closeAllStreams() {
        let all = streams.withLock { state in
            defer { state.byID.removeAll() }
            return Array(state.byID.values)
        }
        all.forEach { $0.close() }
    }

    // MARK: - HTTP

    fileprivate struct Reply {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders = [:]
        var body: [UInt8] = []
    }

    /// Answers one complete request; `DELETE /` also stops the service once answered.
    fileprivate func respond(to head: HTTPRequestHead, body: [UInt8]) -> (Reply, stops: Bool) {
        let host = head.headers.first(name: "Host") ?? "\(self.host):\(self.port)"
        let reply = handle(method: head.method, path: head.uri, host: host, body: body)
        return (reply, head.method == .DELETE && head.uri == "/")
    }

    fileprivate func stop() {
        stopSignal.yield()
    }

    private func handle(method: HTTPMethod, path: String, host: String, body: [UInt8]) -> Reply {
        switch (method, path) {
        case (.GET, "/"):
            return json(Capabilities())
        case (.DELETE, "/"):
            return Reply(status: .noContent)
        case (.POST, "/"):
            return createStream(body, host: host)
        case (_, _) where path.hasPrefix("/streams/"):
            guard let id = Int(path.dropFirst("/streams/".count)),
                  let stream = streams.withLock({ $0.byID[id] })
            else { return Reply(status: .notFound) }
            switch method {
            case .POST:
                guard let command = try? JSONDecoder().decode(StreamCommand.self, from: Data(body)) else {
                    return Reply(status: .badRequest)
                }
                guard command.command == "restart" else { return Reply(status: .badRequest) }
                stream.restart()
                return Reply(status: .accepted)
            case .DELETE:
                streams.withLock { _ = $0.byID.removeValue(forKey: id) }
                stream.close()
                return Reply(status: .noContent)
            default:
                return Reply(status: .methodNotAllowed)
            }
        default:
            return Reply(status: .notFound)
        }
    }

    private func createStream(_ body: [UInt8], host: String) -> Reply {
        guard let options = try? JSONDecoder().decode(StreamOptions.self, from: Data(body)) else {
            return Reply(status: .badRequest)
        }
        let stream = ContractStream(options: options)
        do {
            try stream.start(transport: transport)
        } catch {
            return Reply(status: .badRequest)
        }
        let id = streams.withLock { state in
            defer { state.next += 1 }
            state.byID[state.next] = stream
            return state.next
        }
        return Reply(status: .created, headers: ["Location": "http://\(host)/streams/\(id)"])
    }

    private func json(_ value: some Encodable) -> Reply {
        let body = (try? JSONEncoder().encode(value)).map { Array($0) } ?? []
        return Reply(status: .ok, headers: ["Content-Type": "application/json"], body: body)
    }
}

/// The service's open connections, so that stopping can close them all.
private final class ConnectionRegistry: Sendable {
    private let state = LockedState<(closing: Bool, channels: [ObjectIdentifier: any Channel])>((false, [:]))

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let closing = state.withLock { state in
            if !state.closing { state.channels[id] = channel }
            return state.closing
        }
        if closing {
            channel.close(promise: nil)
        } else {
            channel.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.channels.removeValue(forKey: id) } }
        }
    }

    func closeAll() {
        let channels = state.withLock { state in
            state.closing = true
            defer { state.channels.removeAll() }
            return Array(state.channels.values)
        }
        channels.forEach { $0.close(promise: nil) }
    }
}

/// Collects each request on a connection and writes the service's answer.
private final class ContractHTTPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let service: ContractService
    private let pending = LockedState<(head: HTTPRequestHead?, body: [UInt8])>((nil, []))

    init(service: ContractService) {
        self.service = service
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending.withLock { $0 = (head, []) }
        case .body(let buffer):
            pending.withLock { $0.body.append(contentsOf: buffer.readableBytesView) }
        case .end:
            let (head, body) = pending.withLock { $0 }
            guard let head else { return }
            let (reply, stops) = service.respond(to: head, body: body)
            var headers = reply.headers
            headers.add(name: "Content-Length", value: "\(reply.body.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers))), promise: nil)
            if !reply.body.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply.body)))), promise: nil)
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            if stops {
                let service = self.service
                written.futureResult.whenComplete { _ in service.stop() }
            }
        }
    }
}
