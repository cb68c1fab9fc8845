import SSEServer
import SSETesting
import SSETransport

/// Sends one request to a channel of `server` through a ``RecordingResponder``, without a
/// socket, and returns the responder once the handler has returned (a stream stays open).
func recordedRequest(
    _ server: EventServer,
    channel: String = "time",
    method: String = "GET",
    headers: HTTPHeaderFields = [:]
) async -> RecordingResponder {
    let responder = RecordingResponder()
    let request = HTTPServerRequest(method: method, uri: "/" + channel, headers: headers)
    await server.handler(channel: channel).handle(request, responder: responder)
    return responder
}
