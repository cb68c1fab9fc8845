/// Answers the requests for one route of an HTTP server.
///
/// The handler may answer at once with ``HTTPServerResponder/respond(_:)`` or keep the
/// responder and stream for as long as it likes; returning does not end the response.
public protocol HTTPServerHandler: Sendable {
    /// Handles one request.
    ///
    /// - Parameters:
    ///   - request: The request, with its whole body.
    ///   - responder: Writes the response.
    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async
}

/// A handler that answers every request with a complete response computed by a function.
///
/// ```swift
/// let hello = ResponseHandler { request in .text(200, "hello") }
/// ```
public struct ResponseHandler: HTTPServerHandler {
    private let respond: @Sendable (HTTPServerRequest) async -> HTTPServerResponse

    /// Creates a handler.
    ///
    /// - Parameter respond: Computes the response to a request.
    public init(_ respond: @escaping @Sendable (HTTPServerRequest) async -> HTTPServerResponse) {
        self.respond = respond
    }

    /// Computes the response and sends it.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - responder: Writes the response.
    public func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        responder.respond(await respond(request))
    }
}
