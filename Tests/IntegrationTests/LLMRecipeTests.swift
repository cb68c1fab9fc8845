import Foundation
import SSEClient
import SSENIOServer
import SSEProtocol
import SSETransport
import Testing

// README recipe begins
/// One chunk of an OpenAI-style streamed chat completion.
struct CompletionChunk: Decodable, Sendable {
    struct Choice: Decodable, Sendable {
        struct Delta: Decodable, Sendable { var content: String? }
        var delta: Delta
    }
    var choices: [Choice]
}

/// Streams a chat completion, calling `onText` with each piece of text as it arrives.
func streamCompletion(endpoint: URL, apiKey: String, prompt: String, onText: (String) -> Void) async throws {
    var request = ClientRequest(url: endpoint, method: "POST")
    request.headers["Authorization"] = "Bearer \(apiKey)"
    request.headers["Content-Type"] = "application/json"
    request.body = Array(try JSONSerialization.data(withJSONObject: [
        "model": "gpt-4o-mini", "stream": true,
        "messages": [["role": "user", "content": prompt]],
    ]))

    var configuration = EventSource.Configuration()
    configuration.completion = .oneShot(terminator: .data("[DONE]"), errorEventType: "error")
    configuration.readTimeout = .seconds(60)

    // A non-2xx answer throws here: error.statusCode, and error.body holds the API's message.
    let stream = try await EventSource.subscribe(to: request, configuration: configuration)
    for await chunk in stream.decoded(as: CompletionChunk.self, onFailure: .close) {
        if let text = chunk.choices.first?.delta.content { onText(text) }
    }
    if let error = stream.finalError { throw error }  // an `event: error`, a cut connection, bad JSON
}
// README recipe ends

/// The README's recipe for a hosted LLM API, run against a local stand-in that answers as
/// OpenAI's chat completions endpoint does.
@Suite("README LLM recipe", .timeLimit(.minutes(1)))
struct LLMRecipeTests {
    /// Answers `POST` with fixed chunks, then `[DONE]`, checking the request on the way.
    struct CompletionsStandIn: HTTPServerHandler {
        func admission(method: String) -> HTTPRequestAdmission { .byMethod(method) }

        func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
            guard request.method == "POST", request.headers["Authorization"] == "Bearer test-key" else {
                responder.respond(HTTPServerResponse(status: 401, body: Array(#"{"error":{"message":"bad key"}}"#.utf8)))
                return
            }
            var body: [UInt8] = []
            for piece in ["Hello", ", ", "world"] {
                body += Array("data: {\"choices\":[{\"delta\":{\"content\":\"\(piece)\"}}]}\n\n".utf8)
            }
            body += Array("data: [DONE]\n\n".utf8)
            responder.respond(HTTPServerResponse(status: 200, headers: ["Content-Type": "text/event-stream"], body: body))
        }
    }

    @Test func theRecipeStreamsTheTextAndStopsAtDone() async throws {
        let http = try await EmbeddedHTTPServer.start(routes: ["/v1/chat/completions": CompletionsStandIn()])
        let endpoint = URL(string: "http://127.0.0.1:\(http.port)/v1/chat/completions")!
        var text = ""
        try await streamCompletion(endpoint: endpoint, apiKey: "test-key", prompt: "Say hello") { text += $0 }
        #expect(text == "Hello, world")

        let error = try await #require(throws: EventSourceError.self) {
            try await streamCompletion(endpoint: endpoint, apiKey: "wrong", prompt: "Say hello") { _ in }
        }
        #expect(error.statusCode == 401, "the refused request ended with \(error)")
        #expect(error.body.contains("bad key"))
        try await http.shutdown()
    }
}
