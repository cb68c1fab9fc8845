#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import SSEClient
import SSETransport

/// `sse-bench client-run`: one client process of `sse-bench client`. Reads the stream at
/// `http://127.0.0.1:PORT/ticks` until it has every event, then prints
/// `done COUNT NANOSECONDS CPU_NANOSECONDS`: the wall time and the CPU time (all threads) of
/// reading them.
struct ClientRunner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-run",
        abstract: "One client of `sse-bench client` (started by it).",
        shouldDisplay: false
    )

    /// How the client reads.
    enum Mode: String, CaseIterable, ExpressibleByArgument {
        /// A blocking socket read that counts blank lines: the floor no SSE client can beat.
        case floor
        /// The default transport's response body (AsyncHTTPClient), counted as the floor counts:
        /// what the HTTP client costs before any decoding, so the ceiling of a client built on it.
        case transport
        /// `for await` over `EventSource.events` in a detached task.
        case detached
        /// `for await` over `EventSource.events` on the main actor.
        case main
        /// `for await` over `EventSource.events` in a detached task, reading the body from memory
        /// in 64 KiB chunks instead of a socket: the client's own cost, without the network's.
        case memory
        /// `ServerSentEventSequence.Iterator.next(each:)` over the same in-memory chunks in a
        /// detached task: the decoder and the events' strings alone, with no buffer and no second
        /// task, so the least a client built on this decoder and `MessageEvent` could cost.
        case decoder
    }

    @Option var mode: Mode
    @Option var port: Int
    @Option var events: Int

    func run() async throws {
        // The in-memory body is built before the clock starts; the other clients build their
        // configuration, and so their HTTP client, inside the measured time.
        let chunks = mode == .memory || mode == .decoder ? Self.chunks(of: StreamedBody.events(events)) : []
        let start = BenchSupport.monotonicNanoseconds()
        let cpuStart = BenchSupport.processCPUNanoseconds()
        let count: Int
        let url = url
        let events = events
        switch mode {
        case .floor:
            count = try Self.countBlankLines(port: port)
        case .transport:
            count = try await Task.detached { try await Self.countBlankLines(through: url) }.value
        case .detached:
            count = try await Task.detached { try await Self.consume(url, events: events) }.value
        case .main:
            count = try await Self.consumeOnMainActor(url, events: events)
        case .memory:
            var configuration = EventSource.Configuration()
            configuration.transport = InMemoryTransport(chunks: chunks)
            count = try await Task.detached { [configuration] in
                try await Self.consume(url, events: events, configuration: configuration)
            }.value
        case .decoder:
            count = try await Task.detached { try await Self.decode(chunks) }.value
        }
        let elapsed = BenchSupport.monotonicNanoseconds() - start
        let cpu = BenchSupport.processCPUNanoseconds() - cpuStart
        print(count == events ? "done \(count) \(elapsed) \(cpu)" : "failed \(count) events")
    }

    private var url: URL { URL(string: "http://127.0.0.1:\(port)/ticks")! }

    /// `body` cut into 64 KiB chunks, as a socket would hand it over.
    private static func chunks(of body: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: body.count, by: 64 * 1024).map { Array(body[$0..<min($0 + 64 * 1024, body.count)]) }
    }

    /// Reads events until `events` arrived, then closes the stream; runs on the caller's actor.
    private static func consume(
        _ url: URL,
        events: Int,
        configuration: EventSource.Configuration = EventSource.Configuration(),
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> Int {
        let stream = try await EventSource.subscribe(to: url, configuration: configuration)
        var count = 0
        for await _ in stream.events {
            count += 1
            if count == events { break }
        }
        stream.close()
        return count
    }

    /// Decodes the chunks with the decoder's own asynchronous sequence and counts the events.
    private static func decode(_ chunks: [[UInt8]]) async throws -> Int {
        var iterator = ClientResponseBody(chunks: chunks).serverSentEvents().makeAsyncIterator()
        var count = 0
        while try await iterator.next(each: { output in
            if case .event = output { count += 1 }
            return true
        }) {}
        return count
    }

    /// The same loop, isolated to the main actor, as top-level code or a UI would run it.
    @MainActor
    private static func consumeOnMainActor(_ url: URL, events: Int) async throws -> Int {
        try await consume(url, events: events)
    }

    /// Sends a GET over a plain socket and counts `\n\n` in everything after the head, to the end.
    private static func countBlankLines(port: Int) throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ValidationError("socket failed") }
        defer { Glibc.close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ValidationError("connect failed") }
        let request = Array("GET /ticks HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n".utf8)
        guard write(socket, request, request.count) == request.count else { throw ValidationError("write failed") }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var counter = BlankLineCounter()
        var pastHead = false
        var headTail: [UInt8] = []
        while true {
            let read = buffer.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, $0.count) }
            if read <= 0 { break }
            var bytes = buffer[0..<read]
            if !pastHead {
                headTail.append(contentsOf: bytes)
                guard let end = headTail.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                pastHead = true
                bytes = ArraySlice(headTail[end.upperBound...])
            }
            bytes.withUnsafeBufferPointer { counter.count($0) }
        }
        return counter.blankLines
    }

    /// Requests the stream through the default transport and counts `\n\n` in its body's
    /// chunks, as ``countBlankLines(port:)`` counts them in the socket's bytes.
    private static func countBlankLines(through url: URL) async throws -> Int {
        let transport = EventSource.Configuration().transport
        let response = try await transport.send(ClientRequest(url: url, headers: ["Accept": "text/event-stream"]))
        var counter = BlankLineCounter()
        for try await chunk in response.body {
            chunk.withUnsafeBufferPointer { counter.count($0) }
        }
        return counter.blankLines
    }
}

/// Counts `\n\n` pairs in a stream handed over in pieces, pairs across two pieces included.
private struct BlankLineCounter {
    /// The pairs counted so far.
    private(set) var blankLines = 0
    private var previous: UInt8 = 0

    /// Counts the pairs that end in `bytes`, the stream's next piece.
    mutating func count(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let last = bytes.last else { return }
        if previous == 10 && bytes.first == 10 { blankLines += 1 }
        blankLines += Self.newlinePairs(in: bytes)
        previous = last
    }

    /// The number of `\n\n` pairs within `bytes`, sixteen positions per step. A loop that tests
    /// byte by byte mispredicts a branch at every line end, and cost the floor's reader about
    /// 60 ns of CPU per event: the floor then measured that loop, not the socket.
    private static func newlinePairs(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard bytes.count > 1, let base = UnsafeRawPointer(bytes.baseAddress) else { return 0 }
        let newline = SIMD16<UInt8>(repeating: 10)
        let pairs = bytes.count &- 1
        var count = 0
        var index = 0
        while index &+ 16 <= pairs {
            let here = base.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
            let next = base.loadUnaligned(fromByteOffset: index &+ 1, as: SIMD16<UInt8>.self)
            let both = (here .== newline) .& (next .== newline)
            count &+= Int(SIMD16<UInt8>.zero.replacing(with: 1, where: both).wrappedSum())
            index &+= 16
        }
        while index < pairs {
            count &+= (bytes[index] ^ 10) | (bytes[index &+ 1] ^ 10) == 0 ? 1 : 0
            index &+= 1
        }
        return count
    }
}

/// Answers every request with one body from memory, in the chunks given.
private struct InMemoryTransport: ClientTransport {
    /// The body's chunks.
    let chunks: [[UInt8]]

    /// Answers with the whole body.
    func send(_ request: ClientRequest) async throws -> ClientResponse {
        ClientResponse(status: 200, headers: ["Content-Type": "text/event-stream"], body: ClientResponseBody(chunks: chunks))
    }
}
