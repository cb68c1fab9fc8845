import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import SSENIOServer
import SSEServer
import SSETransport

/// An ``EventServer`` behind an ``EmbeddedHTTPServer`` that speaks TLS (h2 and HTTP/1.1), and an
/// `HTTPClient` that trusts the test authority; over real sockets on 127.0.0.1.
struct TLSFixture {
    let events: EventServer
    let http: EmbeddedHTTPServer
    let certificates: TestCertificates
    let client: HTTPClient

    /// The base URL of the server, `https://127.0.0.1:PORT`.
    var base: String { "https://127.0.0.1:\(http.port)" }

    /// Runs `body` with a fresh server and client, then shuts both down.
    ///
    /// The server mounts the event channel `time` at `/time` and, at `/peer`, a route that answers
    /// with the peer's address, so a test can tell whether two requests shared a connection.
    static func run(
        _ configuration: EventServer.Configuration = .init(),
        http configure: (inout EmbeddedHTTPServer.Configuration) -> Void = { _ in },
        http1Only: Bool = false,
        _ body: (TLSFixture) async throws -> Void
    ) async throws {
        let certificates = try await TestCertificates.make()
        let events = EventServer(configuration: configuration)
        var httpConfiguration = EmbeddedHTTPServer.Configuration(
            protocols: .tls(certificateChainFile: certificates.certificateFile, privateKeyFile: certificates.keyFile)
        )
        configure(&httpConfiguration)
        let http = try await EmbeddedHTTPServer.start(
            routes: [
                "/time": events.handler(channel: "time"),
                "/peer": ResponseHandler { request in .text(200, request.remoteAddress ?? "unknown") },
            ],
            configuration: httpConfiguration
        )
        let client = makeClient(trusting: certificates, http1Only: http1Only)
        let fixture = TLSFixture(events: events, http: http, certificates: certificates, client: client)
        do {
            try await body(fixture)
        } catch {
            try? await client.shutdown()
            try? await http.shutdown()
            throw error
        }
        try await client.shutdown()
        events.close()
        try await http.shutdown()
    }

    /// An `HTTPClient` that trusts the test authority and never decompresses.
    static func makeClient(trusting certificates: TestCertificates, http1Only: Bool = false) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.authorityFile)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, decompression: .disabled)
        configuration.httpVersion = http1Only ? .http1Only : .automatic
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Sends a `GET` and returns the response once its head arrived.
    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: base + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await client.execute(request, timeout: .seconds(30))
    }
}

/// Reads a response body as text, as far as a test needs.
struct BodyReader {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    /// Everything read so far.
    private(set) var text = ""
    /// Whether the body ended.
    private(set) var ended = false

    init(_ response: HTTPClientResponse) {
        iterator = response.body.makeAsyncIterator()
    }

    /// Reads until `done` holds for the text read so far, or the body ends.
    ///
    /// - Returns: The text read so far.
    @discardableResult
    mutating func read(until done: (String) -> Bool) async throws -> String {
        while !done(text), !ended {
            if let chunk = try await iterator.next() {
                text += String(decoding: chunk.readableBytesView, as: UTF8.self)
            } else {
                ended = true
            }
        }
        return text
    }

    /// Reads to the end of the body.
    @discardableResult
    mutating func readToEnd() async throws -> String {
        try await read { _ in false }
    }
}

/// Waits until `condition` holds, yielding in between, for at most `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        await Task.yield()
    }
    return true
}
