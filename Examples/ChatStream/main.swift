// ChatStream: a streamed "LLM" answer over Server-Sent Events, end to end on this machine.
//
// A local stand-in for an LLM endpoint takes `POST /v1/chat` with {"prompt": "..."} and streams
// 200 tokens as events, then `data: [DONE]`. The client sends the prompt as a one-shot stream,
// decodes each event's JSON, prints the tokens as they arrive, and exits 0 after `[DONE]`.
//
//   swift run ChatStream                          the local endpoint and the client
//   swift run ChatStream --prompt "Tell me more"  another prompt
//   swift run ChatStream --url URL                the client only, against another endpoint

import Foundation
import SSEClient
import SSENIOServer
import SSETransport

/// The value following `name` on the command line.
func option(_ name: String) -> String? {
    CommandLine.arguments.drop { $0 != name }.dropFirst().first
}

let prompt = option("--prompt") ?? "Why stream an answer?"
var endpoint: URL
var http: EmbeddedHTTPServer?
if let given = option("--url") {
    guard let url = URL(string: given) else {
        FileHandle.standardError.write(Data("not a URL: \(given)\n".utf8))
        exit(2)
    }
    endpoint = url
} else {
    let server = try await EmbeddedHTTPServer.start(routes: [
        "/v1/chat": ChatEndpoint(tokenCount: 200, tokenDelay: .milliseconds(5)),
    ])
    http = server
    endpoint = URL(string: "http://127.0.0.1:\(server.port)/v1/chat")!
}

var request = ClientRequest(url: endpoint, method: "POST")
request.headers["Content-Type"] = "application/json"
request.body = Array(try JSONEncoder().encode(["prompt": prompt]))

var configuration = EventSource.Configuration()
configuration.completion = .oneShot(terminator: .data("[DONE]"), errorEventType: "error")

var tokens = 0
do {
    let stream = try await EventSource.subscribe(to: request, configuration: configuration)
    for await token in stream.decoded(as: ChatEndpoint.Token.self) {
        print(token.token, terminator: "")
        fflush(nil)
        tokens += 1
    }
    print()
    if let error = stream.finalError { throw error }
} catch {
    FileHandle.standardError.write(Data("chat failed: \(error)\n".utf8))
    exit(1)
}
try await http?.shutdown()
FileHandle.standardError.write(Data("\(tokens) tokens, then [DONE]\n".utf8))
