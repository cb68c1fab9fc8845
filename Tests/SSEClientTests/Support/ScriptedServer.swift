import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

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
    fileprivate let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    fileprivate let peerClosed: @Sendable () async -> Void

    /// Writes bytes exactly as given.
    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Writes bytes exactly as given.
    func write(bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
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
        await peerClosed()
    }
}

/// An HTTP server on 127.0.0.1 whose responses are scripts that write exact bytes, cut
/// connections, stall, or answer any status; it records every request.
struct ScriptedServer: Sendable {
    typealias Script = @Sendable (RecordedRequest, ScriptedConnection) async throws -> Void

    let port: Int
    /// Every request, as it arrives.
    let requests: AsyncStream<RecordedRequest>
    private let counter: RequestCounter

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// How many requests have arrived so far.
    var requestCount: Int { counter.value.withLock { $0 } }

    /// Starts a server, runs `body` with it, and stops it.
    static func run<R: Sendable>(
        _ script: @escaping Script,
        _ body: @Sendable (ScriptedServer) async throws -> R
    ) async throws -> R {
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes))
                    )
                    return try NIOAsyncChannel<HTTPServerRequestPart, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let (requests, sink) = AsyncStream<RecordedRequest>.makeStream()
        let server = ScriptedServer(
            port: serverChannel.channel.localAddress!.port!, requests: requests, counter: RequestCounter()
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await serverChannel.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await connection in inbound {
                            connections.addTask {
                                try? await server.serve(connection, script: script, sink: sink)
                            }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(server)
        }
    }

    private func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, ByteBuffer>,
        script: Script,
        sink: AsyncStream<RecordedRequest>.Continuation
    ) async throws {
        try await connection.executeThenClose { inbound, outbound in
            let parts = PartReader(inbound.makeAsyncIterator())
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            loop: while let part = try await parts.next() {
                switch part {
                case .head(let requestHead): head = requestHead
                case .body(let buffer): body.append(contentsOf: buffer.readableBytesView)
                case .end: break loop
                }
            }
            guard let head else { return }
            let index = counter.value.withLock { count in
                defer { count += 1 }
                return count
            }
            let request = RecordedRequest(
                index: index, method: head.method.rawValue, uri: head.uri, headers: head.headers, body: body
            )
            sink.yield(request)
            let scripted = ScriptedConnection(outbound: outbound) {
                while (try? await parts.next()) != nil {}
            }
            try await script(request, scripted)
        }
    }
}

/// Lets the script wait for the client to hang up on the same inbound stream the request came from.
private final class PartReader: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator

    init(_ iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> HTTPServerRequestPart? {
        try await iterator.next()
    }
}

private final class RequestCounter: Sendable {
    let value = Mutex(0)
}
