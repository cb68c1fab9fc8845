import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import SSETransport

/// The default `ClientTransport`: AsyncHTTPClient, with streaming bodies, TLS, proxies and
/// HTTP/2.
///
/// Requests have no overall deadline, since an event stream is meant to stay open; instead the
/// transport has a connect timeout and an optional read timeout (the longest silence between
/// two reads). It asks for gzip and decompresses it within a ratio limit, and leaves redirects
/// to the caller.
///
/// ## Many streams to one host
///
/// Each stream holds its connection for as long as it lasts. Over plain HTTP (HTTP/1.1) every
/// stream is a connection of its own, and the pool allows
/// ``Configuration/maximumConnectionsPerHost`` of them per host (1,000 by default; AsyncHTTPClient's
/// own default is 8). Over HTTPS, when the server offers HTTP/2, AsyncHTTPClient multiplexes the
/// streams to a host on one HTTP/2 connection, up to the server's limit on concurrent streams
/// (`SETTINGS_MAX_CONCURRENT_STREAMS`, often 100). A stream that finds no free connection or
/// stream waits in the pool's queue for the connect timeout, then fails with
/// `HTTPClientError.getConnectionFromPoolTimeout`, which the event-stream client reports and
/// retries like any connection error.
///
/// To hold more streams: raise ``Configuration/maximumConnectionsPerHost``; over HTTPS either
/// raise the server's stream limit or pass your own `HTTPClient` configured with
/// `httpVersion: .http1Only` and a larger `connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit`
/// to ``init(client:decompresses:logger:)``; and raise the process's open-file limit
/// (`RLIMIT_NOFILE`, often 1,024 by default), since each HTTP/1.1 stream is a socket.
/// `sse-network listen` raises its own soft limit to the hard limit at start.
public final class AsyncHTTPClientTransport: ClientTransport {
    /// Settings for a transport that creates its own `HTTPClient`.
    public struct Configuration: Sendable, Hashable {
        /// The longest wait for a connection to be established. Defaults to 10 seconds.
        public var connectTimeout: Duration
        /// The longest silence between two reads before the request fails, or `nil` for none.
        /// Defaults to `nil`: event-stream clients usually apply their own read timeout, which
        /// knows that comments count as data.
        public var readTimeout: Duration?
        /// Whether to send `Accept-Encoding: gzip` and decompress gzip and deflate bodies.
        /// Defaults to `true`.
        public var decompresses: Bool
        /// The most bytes a compressed body may inflate to per compressed byte received, counted
        /// over the whole response; a body that inflates more fails with AsyncHTTPClient's
        /// decompression limit error, so a gzip bomb cannot exhaust memory or a core. Defaults to
        /// 100: event streams flushed after every event compress far less than that, while a bomb
        /// inflates about 1,000 to one.
        public var decompressionRatioLimit: Int
        /// The most HTTP/1.1 connections, and so streams, open at once to one host
        /// (AsyncHTTPClient's `concurrentHTTP1ConnectionsPerHostSoftLimit`). A stream beyond it
        /// waits for a free connection until the connect timeout. Defaults to 1,000.
        public var maximumConnectionsPerHost: Int

        /// Creates a configuration; every parameter defaults as documented on its property.
        ///
        /// - Parameters:
        ///   - connectTimeout: The connect timeout.
        ///   - readTimeout: The read timeout, or `nil`.
        ///   - decompresses: Whether to ask for and decode gzip.
        ///   - decompressionRatioLimit: The most a compressed body may inflate, per compressed byte.
        ///   - maximumConnectionsPerHost: The most HTTP/1.1 connections to one host.
        public init(
            connectTimeout: Duration = .seconds(10),
            readTimeout: Duration? = nil,
            decompresses: Bool = true,
            decompressionRatioLimit: Int = 100,
            maximumConnectionsPerHost: Int = 1_000
        ) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.decompresses = decompresses
            self.decompressionRatioLimit = decompressionRatioLimit
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
        }
    }

    /// A process-wide transport with the default configuration; it is never shut down.
    public static let shared = AsyncHTTPClientTransport()

    private let client: HTTPClient
    private let ownsClient: Bool
    private let decompresses: Bool
    private let logger: Logger?

    /// Creates a transport with its own `HTTPClient`, shut down when the transport is released.
    ///
    /// - Parameter configuration: The timeouts and compression setting.
    public init(configuration: Configuration = Configuration()) {
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
                read: configuration.readTimeout.map { .nanoseconds($0.nanoseconds) }
            ),
            decompression: configuration.decompresses
                ? .enabled(limit: .ratio(max(configuration.decompressionRatioLimit, 1))) : .disabled
        )
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit =
            max(configuration.maximumConnectionsPerHost, 1)
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        self.ownsClient = true
        self.decompresses = configuration.decompresses
        self.logger = nil
    }

    /// Creates a transport over an `HTTPClient` you own and shut down.
    ///
    /// Configure the client with `redirectConfiguration: .disallow` (the event-stream client
    /// follows redirects itself) and, if `decompresses` is `true`, with `decompression: .enabled`
    /// and a ratio limit. Its `connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit` (8 by
    /// default) caps the streams open at once to one host over HTTP/1.1.
    ///
    /// - Parameters:
    ///   - client: The client to send requests with.
    ///   - decompresses: Whether the client decompresses, so that requests may ask for gzip.
    ///   - logger: The logger handed to AsyncHTTPClient for each request, or `nil`.
    public init(client: HTTPClient, decompresses: Bool, logger: Logger? = nil) {
        self.client = client
        self.ownsClient = false
        self.decompresses = decompresses
        self.logger = logger
    }

    deinit {
        if ownsClient {
            client.shutdown().whenComplete { _ in }
        }
    }

    /// Sends a request and returns once the response head has arrived.
    ///
    /// - Parameter request: The request to send.
    /// - Returns: The status, headers and streaming body.
    /// - Throws: `HTTPClientError` or a NIO error when no response head could be obtained.
    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if decompresses, !request.headers.contains(name: "Accept-Encoding") {
            outgoing.headers.add(name: "Accept-Encoding", value: "gzip")
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(outgoing, deadline: .distantFuture, logger: logger)
        return ClientResponse(
            status: Int(response.status.code),
            headers: HTTPHeaderFields(response.headers.map { HTTPHeaderFields.Field(name: $0.name, value: $0.value) }),
            body: ClientResponseBody(response.body.map { Array(buffer: $0) })
        )
    }
}

private extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole + attoseconds / 1_000_000_000
    }
}
