import SSEProtocol
import SSEToolSupport
import SSEServer
import SSETransport

/// The route of `sse serve`'s channel: `POST` with the publish token publishes one JSON event;
/// every other request goes to the event stream.
struct PublishRoute: HTTPServerHandler {
    /// The channel's event stream.
    let stream: EventChannelHandler
    /// What stores and publishes accepted events.
    let publisher: Publisher
    /// The bearer token a `POST` must carry; `nil` leaves `POST` to the stream (which refuses it).
    let token: String?

    /// Reads the body of an authorised `POST`; every other request is the stream's to admit.
    func admission(method: String) -> HTTPRequestAdmission {
        method == "POST" && token != nil ? .withBody : stream.admission(method: method)
    }

    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        guard request.method == "POST", let token else {
            return await stream.handle(request, responder: responder)
        }
        responder.respond(await publish(request, token: token))
    }

    /// Checks the token, parses the body and publishes it; answers only once the event is stored.
    private func publish(_ request: HTTPServerRequest, token: String) async -> HTTPServerResponse {
        guard let authorization = request.headers["Authorization"],
              authorization.utf8.elementsEqualInConstantTime(("Bearer " + token).utf8)
        else {
            var refusal = HTTPServerResponse.text(401, "Authorization: Bearer TOKEN required")
            refusal.head.headers["WWW-Authenticate"] = "Bearer"
            return refusal
        }
        let event: MessageEvent
        do {
            guard case .event(let parsed, retry: nil) = try EventJSON.parse(Substring(decoding: request.body, as: UTF8.self))
            else { return .text(400, "The body must be one JSON event: {\"id\",\"event\",\"data\"}") }
            event = parsed
        } catch {
            return .text(400, "Bad event: \(error)")
        }
        do {
            let result = try await publisher.publish(event)
            var id = OutputBuffer()
            EventJSON.appendString(result.event.id, to: &id)
            return HTTPServerResponse(
                status: result.isDuplicate ? 200 : 201,
                headers: ["Content-Type": "application/json"],
                body: Array(#"{"id":"#.utf8) + id.bytes + Array("}\n".utf8)
            )
        } catch let error as EventStreamError {
            return .text(400, "Bad event: \(error)")
        } catch {
            return .text(503, "The event could not be stored: \(error)")
        }
    }
}

extension Sequence<UInt8> {
    /// Whether two byte sequences are equal, taking as long for every input of a given length,
    /// so that a token cannot be guessed byte by byte from response times.
    fileprivate func elementsEqualInConstantTime(_ other: some Sequence<UInt8>) -> Bool {
        let (lhs, rhs) = (Array(self), Array(other))
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
