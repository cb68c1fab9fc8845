import Foundation
import SSEProtocol
import SSETransport

/// A local stand-in for a streamed LLM completion endpoint: `POST` a JSON body
/// `{"prompt": "..."}` and it answers an event stream of `tokenCount` tokens, each
/// `data: {"token":"..."}`, then `data: [DONE]`, then ends the response.
struct ChatEndpoint: HTTPServerHandler {
    /// The request body this endpoint reads.
    struct Prompt: Decodable {
        var prompt: String
    }

    /// One streamed token.
    struct Token: Codable, Sendable {
        var token: String
    }

    /// How many tokens each answer has.
    let tokenCount: Int
    /// The pause between tokens, as a model's generation would take.
    let tokenDelay: Duration

    private static let words = """
        Server-Sent Events carry a model's answer one token at a time over a plain HTTP response, \
        so the client shows text as soon as it is generated, and the stream ends with a marker \
        that says the answer is complete.
        """.split(separator: " ").map(String.init)

    func admission(method: String) -> HTTPRequestAdmission {
        method == "POST" ? .withBody : .methodNotAllowed(allowed: ["POST"])
    }

    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        guard let prompt = try? JSONDecoder().decode(Prompt.self, from: Data(request.body)) else {
            let body = Array(#"{"error":"the body must be {\"prompt\": \"...\"}"}"#.utf8)
            responder.respond(HTTPServerResponse(status: 400, headers: ["Content-Type": "application/json"], body: body))
            return
        }
        responder.execute {
            responder.writeHead(HTTPServerResponseHead(status: 200, headers: [
                "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            ]))
            responder.flush()
        }
        let encoder = JSONEncoder()
        for index in 0..<tokenCount {
            if index > 0 { try? await Task.sleep(for: tokenDelay) }
            let word = index == 0 ? "(\(prompt.prompt))" : Self.words[(index - 1) % Self.words.count]
            let data = String(decoding: (try? encoder.encode(Token(token: word + " "))) ?? Data(), as: UTF8.self)
            let bytes = (try? EventEncoder().encode(MessageEvent(data: data))) ?? []
            responder.execute {
                responder.write(bytes)
                responder.flush()
            }
        }
        let done = (try? EventEncoder().encode(MessageEvent(data: "[DONE]"))) ?? []
        responder.execute {
            responder.write(done)
            responder.finish()
        }
    }
}
