#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends one HTTP request and streams back the response: the narrow interface between an
/// event-stream client and the network.
///
/// `AsyncHTTPClientTransport` (product `SSEAsyncHTTPClient`) is the default; `ScriptedTransport`
/// (product `SSETesting`) is a test double.
///
/// Implementations must:
/// - return as soon as the status line and headers arrive, with the body still streaming;
/// - deliver body bytes as they arrive, decoded from any content coding the transport asked for
///   (a transport that sends `Accept-Encoding: gzip` must also decompress);
/// - not follow redirects: the caller follows them so that it can count and report them;
/// - impose no deadline on the whole exchange (an event stream lasts as long as it likes);
/// - stop promptly, closing the connection, when the calling task is cancelled or the body
///   sequence's iterator is dropped.
public protocol ClientTransport: Sendable {
    /// Sends a request and returns once the response head has arrived.
    ///
    /// - Parameter request: The request to send.
    /// - Returns: The status, headers and streaming body.
    /// - Throws: When no response head could be obtained (connection refused, TLS failure,
    ///   connect timeout, cancellation).
    func send(_ request: ClientRequest) async throws -> ClientResponse
}

/// An HTTP request as a ``ClientTransport`` sends it.
public struct ClientRequest: Sendable, Hashable {
    /// The absolute `http` or `https` URL to request.
    public var url: URL
    /// The request method. Defaults to `GET`.
    public var method: String
    /// The header fields to send.
    public var headers: HTTPHeaderFields
    /// The body to send, or `nil` for none. Defaults to `nil`.
    public var body: [UInt8]?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - url: The URL to request.
    ///   - method: The request method.
    ///   - headers: The header fields.
    ///   - body: The body, or `nil`.
    public init(url: URL, method: String = "GET", headers: HTTPHeaderFields = [:], body: [UInt8]? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// The head of an HTTP response and its streaming body.
public struct ClientResponse: Sendable {
    /// The status code, for example `200`.
    public var status: Int
    /// The response header fields.
    public var headers: HTTPHeaderFields
    /// The body, chunk by chunk as it arrives.
    public var body: ClientResponseBody

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: The header fields.
    ///   - body: The body.
    public init(status: Int, headers: HTTPHeaderFields = [:], body: ClientResponseBody = ClientResponseBody(chunks: [])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
