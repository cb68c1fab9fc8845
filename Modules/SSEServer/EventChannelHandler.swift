import SSETransport

/// The HTTP handler that streams one channel of an ``EventServer``; create it with
/// ``EventServer/handler(channel:)``.
///
/// `GET` subscribes; `OPTIONS` answers a CORS preflight; other methods get `405`. A
/// `Last-Event-ID` that no published id can be (see `EventIDRule`) gets `400`.
public struct EventChannelHandler: HTTPServerHandler {
    /// The server whose channel this is.
    public let server: EventServer
    /// The channel streamed.
    public let channel: String

    /// Takes `GET` and `OPTIONS` without a body and refuses every other method with `405` as soon
    /// as the request head arrives, so a body sent to a stream is never buffered.
    ///
    /// - Parameter method: The request method.
    /// - Returns: How the request is taken.
    public func admission(method: String) -> HTTPRequestAdmission {
        switch method {
        case "GET", "OPTIONS": .withoutBody
        default: .methodNotAllowed(allowed: ["GET", "OPTIONS"])
        }
    }

    /// Serves one request.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - responder: Writes the response, which streams until the server ends it or the peer leaves.
    public func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        await server.serve(request, channel: channel, responder: responder)
    }
}
