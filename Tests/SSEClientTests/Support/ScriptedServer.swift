import NIOCore
import NIOHTTP1
import NIOPosix
import SSEProtocol

/// A request as the scripted server received it.
struct RecordedRequest: Sendable {
    let index: Int
    let method: String
    let uri: String
    let headers: HTTPHeaders
    let body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// One connection of the scripted server: the script writes exact bytes to it.
struct ScriptedConnection: Sendable {
    fileprivate let channel: any Channel

    /// Writes bytes exactly as given.
    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Writes bytes exactly as given.
    func write(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Writes a `200 text/event-stream` head whose body ends when the connection closes.
    func writeStreamHead(extraHeaders: String = "") async throws {
        try await write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\(extraHeaders)Connection: close\r\n\r\n")
    }

    /// Writes a complete response with a body.
    func writeResponse(status: String, headers: String = "", body: String = "") async throws {
        try await write("HTTP/1.1 \(status)\r\n\(headers)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
    }

    /// Waits until the client closes the connection (the script "stalls" until then).
    func waitForClientToClose() async {
        try? await channel.closeFuture.get()
    }
}

/// An HTTP server on 127.0.0.1 whose responses are scripts that write exact bytes, cut
/// connections, stall, or answer any status; it records every request.
///
/// Each connection serves one request: when its script returns, the server closes the
/// connection, which ends a body that has no length.
struct ScriptedServer: Sendable {
    typealias Script = @Sendable (RecordedRequest, ScriptedConnection) async throws -> Void

    let port: Int
    /// Every request, as it arrives.
    let requests: AsyncStream<RecordedRequest>
    private let state: ServerState

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// How many requests have arrived so far.
    var requestCount: Int { state.requestCount }

    /// Starts a server, runs `body` with it, then closes every connection, cancels the scripts
    /// still running and waits for them.
    static func run<R: Sendable>(
        _ script: @escaping Script,
        _ body: @Sendable (ScriptedServer) async throws -> R
    ) async throws -> R {
        let (requests, sink) = AsyncStream<RecordedRequest>.makeStream()
        let state = ServerState(script: script, sink: sink)
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes))
                    )
                    try channel.pipeline.syncOperations.addHandler(RequestCollector(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = ScriptedServer(port: serverChannel.localAddress!.port!, requests: requests, state: state)
        func stop() async {
            try? await serverChannel.close()
            await state.stop()
            sink.finish()
        }
        do {
            let result = try await body(server)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

/// The server's connections and running scripts.
private final class ServerState: Sendable {
    private struct State {
        var stopping = false
        var requestCount = 0
        var channels: [ObjectIdentifier: any Channel] = [:]
        var scripts: [Task<Void, Never>] = []
    }

    let script: ScriptedServer.Script
    let sink: AsyncStream<RecordedRequest>.Continuation
    private let state = LockedState(State())

    init(script: @escaping ScriptedServer.Script, sink: AsyncStream<RecordedRequest>.Continuation) {
        self.script = script
        self.sink = sink
    }

    var requestCount: Int { state.withLock { $0.requestCount } }

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let stopping = state.withLock { state in
            if !state.stopping { state.channels[id] = channel }
            return state.stopping
        }
        if stopping {
            channel.close(promise: nil)
        } else {
            channel.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.channels.removeValue(forKey: id) } }
        }
    }

    /// Records a complete request and starts its script.
    func received(method: String, uri: String, headers: HTTPHeaders, body: [UInt8], on channel: any Channel) {
        let script = self.script
        let index = state.withLock { state in
            defer { state.requestCount += 1 }
            return state.requestCount
        }
        let request = RecordedRequest(index: index, method: method, uri: uri, headers: headers, body: body)
        sink.yield(request)
        let task = Task {
            try? await script(request, ScriptedConnection(channel: channel))
            try? await channel.close()
        }
        state.withLock { $0.scripts.append(task) }
    }

    func stop() async {
        let (channels, scripts) = state.withLock { state in
            state.stopping = true
            return (Array(state.channels.values), state.scripts)
        }
        channels.forEach { $0.close(promise: nil) }
        // A script still waiting (for a signal, or for the client after a failed test) ends now.
        for script in scripts { script.cancel() }
        for script in scripts { await script.value }
    }
}

/// Collects one request's head and body, then hands it to the server.
private final class RequestCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart

    private let state: ServerState
    private let pending = LockedState<(head: HTTPRequestHead?, body: [UInt8])>((nil, []))

    init(state: ServerState) {
        self.state = state
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
            state.received(method: head.method.rawValue, uri: head.uri, headers: head.headers, body: body, on: context.channel)
        }
    }
}
