import NIOCore
import NIOPosix
import SSEProtocol

/// A test client on a raw TCP socket: sends bytes as given, parses the response head and the
/// chunked body exactly, and lets a test wait for what it expects, with a deadline.
final class RawConnection: Sendable {
    struct Timeout: Error, CustomStringConvertible {
        let description: String
    }

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects to `127.0.0.1:port`.
    static func open(port: Int) async throws -> RawConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, inbox: inbox)
    }

    /// Connects and sends a `GET` for `path` with extra header lines.
    static func get(_ path: String, port: Int, headers: [String: String] = [:]) async throws -> RawConnection {
        let connection = try await open(port: port)
        try await connection.sendRequest("GET", path, headers: headers)
        return connection
    }

    func sendRequest(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") async throws {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Stops reading from the socket, so the server's writes back up.
    func stopReading() async throws {
        try await channel.setOption(.autoRead, value: false).get()
    }

    /// Reads from the socket again after ``stopReading()``.
    ///
    /// When the server has closed the connection meanwhile, NIO has already read everything up
    /// to the end (it drains the socket on end of input, whatever `autoRead` says) and closed the
    /// channel: the bytes are in the inbox, so there is nothing left to resume.
    func resumeReading() async throws {
        do {
            try await channel.setOption(.autoRead, value: true).get()
        } catch ChannelError.ioOnClosedChannel {
            return
        }
        channel.read()
    }

    func close() async {
        try? await channel.close()
    }

    /// The response head, once it arrived.
    func head() async throws -> ResponseHead {
        try await wait("the response head") { $0.head }
    }

    /// The decoded body so far, once it satisfies `condition`.
    func body(_ what: String, until condition: @escaping @Sendable ([UInt8]) -> Bool) async throws -> [UInt8] {
        try await wait(what) { condition($0.body) ? $0.body : nil }
    }

    /// The body as text, once the response ended or the connection closed.
    func wholeBody() async throws -> String {
        try await wait("the end of the body") { state in
            state.bodyEnded || state.closed ? String(decoding: state.body, as: UTF8.self) : nil
        }
    }

    /// The first `count` events (comments included as `.comment`) of the body.
    func outputs(_ count: Int) async throws -> [EventStreamDecoder.Output] {
        try await wait("\(count) events") { state in
            let outputs = state.body.decodedOutputs()
            return outputs.count >= count ? Array(outputs.prefix(count)) : nil
        }
    }

    /// The first `count` events of the body (comments skipped).
    func events(_ count: Int) async throws -> [MessageEvent] {
        try await wait("\(count) events") { state in
            let events = state.body.decodedOutputs().compactMap { output -> MessageEvent? in
                if case .event(let event) = output { return event }
                return nil
            }
            return events.count >= count ? Array(events.prefix(count)) : nil
        }
    }

    /// Returns once the server closed the connection.
    func waitUntilClosed() async throws {
        try await wait("the connection to close") { $0.closed ? () : nil }
    }

    /// Waits until `check` returns a value, failing after 30 seconds (room for the whole suite
    /// loading two cores; a passing test never waits that long).
    func wait<T: Sendable>(_ what: String, _ check: @escaping @Sendable (Inbox.State) -> T?) async throws -> T {
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(30)) { self.inbox.expire() }
        defer { deadline.cancel() }
        while true {
            switch await inbox.next(check) {
            case .value(let value): return value
            case .expired: throw Timeout(description: "timed out waiting for \(what); got \(inbox.snapshot)")
            case .changed: continue
            }
        }
    }
}

/// A parsed response head.
struct ResponseHead: Sendable {
    var status: Int
    var fields: [(name: String, value: String)]
    var raw: String

    subscript(name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

extension [UInt8] {
    func decodedOutputs() -> [EventStreamDecoder.Output] {
        var decoder = EventStreamDecoder(configuration: .init(reportsComments: true))
        decoder.append(self)
        var outputs: [EventStreamDecoder.Output] = []
        while let output = try? decoder.next() { outputs.append(output) }
        return outputs
    }
}
