/// An HTTP request as a server handler sees it: the head and the whole (bounded) body.
public struct HTTPServerRequest: Sendable {
    /// The request method, for example `GET`.
    public var method: String
    /// The request target as sent, path and query, for example `/time?x=1`.
    public var uri: String
    /// The header fields.
    public var headers: HTTPHeaderFields
    /// The request body; empty for a request without one.
    public var body: [UInt8]
    /// The peer's address, for logging, when the transport knows it.
    public var remoteAddress: String?

    /// The path part of ``uri``, without the query.
    public var path: String {
        guard let query = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return uri }
        return String(uri[..<query])
    }

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - uri: The request target.
    ///   - headers: The header fields.
    ///   - body: The body. Defaults to empty.
    ///   - remoteAddress: The peer's address, if known. Defaults to `nil`.
    public init(
        method: String,
        uri: String,
        headers: HTTPHeaderFields = [:],
        body: [UInt8] = [],
        remoteAddress: String? = nil
    ) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }
}
