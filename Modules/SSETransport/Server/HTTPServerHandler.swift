/// Answers the requests for one route of an HTTP server.
///
/// The handler may answer at once with ``HTTPServerResponder/respond(_:)`` or keep the
/// responder and stream for as long as it likes; returning does not end the response.
///
/// Before the body of a request is read, the server asks ``admission(method:)`` whether the
/// handler takes the request and a body, so a refusal (such as `405`) goes out at once and a body
/// the handler would not read is never buffered.
public protocol HTTPServerHandler: Sendable {
    /// Decides, from the method alone, whether this handler takes a request and its body.
    ///
    /// Called on the connection's event loop as soon as the request head arrives: it must return
    /// at once. Defaults to ``HTTPRequestAdmission/byMethod(_:)``.
    ///
    /// - Parameter method: The request method, for example `GET`.
    /// - Returns: How the request is taken.
    func admission(method: String) -> HTTPRequestAdmission

    /// Handles one request.
    ///
    /// - Parameters:
    ///   - request: The request, with its whole body.
    ///   - responder: Writes the response.
    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async
}

extension HTTPServerHandler {
    /// Takes a body for the methods that carry one: ``HTTPRequestAdmission/byMethod(_:)``.
    ///
    /// - Parameter method: The request method.
    /// - Returns: How the request is taken.
    public func admission(method: String) -> HTTPRequestAdmission {
        .byMethod(method)
    }
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
