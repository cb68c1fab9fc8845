/// The status line and headers of a response.
public struct HTTPServerResponseHead: Sendable, Hashable {
    /// The status code, for example `200`.
    public var status: Int
    /// The header fields.
    public var headers: HTTPHeaderFields

    /// Creates a response head.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: The header fields. Defaults to none.
    public init(status: Int, headers: HTTPHeaderFields = [:]) {
        self.status = status
        self.headers = headers
    }
}

/// A complete, non-streaming response: a head and a body.
public struct HTTPServerResponse: Sendable, Hashable {
    /// The status line and headers; a `Content-Length` is added when sent.
    public var head: HTTPServerResponseHead
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: The header fields. Defaults to none.
    ///   - body: The body. Defaults to empty.
    public init(status: Int, headers: HTTPHeaderFields = [:], body: [UInt8] = []) {
        self.head = HTTPServerResponseHead(status: status, headers: headers)
        self.body = body
    }

    /// A plain-text response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - text: The body, sent as `text/plain; charset=utf-8` with a trailing newline.
    /// - Returns: The response.
    public static func text(_ status: Int, _ text: String) -> HTTPServerResponse {
        HTTPServerResponse(
            status: status,
            headers: ["Content-Type": "text/plain; charset=utf-8"],
            body: Array((text + "\n").utf8)
        )
    }
}
