// NewsReplay: the Swift port of the Go package's Repository example.
//
// Three articles are stored in a SliceRepository and published live. A first client prints
// them in publish order (2, 1, 3); a second client resumes with Last-Event-ID "1" and prints
// the repository's replay, in id order (1, 2, 3). Run it with `swift run NewsReplay`, or
// `swift run NewsReplay --port 8080` to choose the port (a free one by default).

import Foundation
import SSEClient
import SSENIOServer
import SSEProtocol
import SSERepositories
import SSEServer
import SSETransport

/// A news article sent as an event whose data is the article as JSON (Go: `NewsArticle`).
struct NewsArticle: ServerSentEvent {
    let id: String
    let title: String
    let content: String

    var event: String { "News Article" }
    /// `{"Title":...,"Content":...}`, as Go's `json.Marshal` prints it.
    var data: String { #"{"Title":\#(goJSON(title)),"Content":\#(goJSON(content))}"# }
}

/// A string as a JSON literal, escaped as Go's `json.Marshal` escapes it (`<`, `>` and `&` too).
func goJSON(_ text: String) -> String {
    var json = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": json += "\\\""
        case "\\": json += "\\\\"
        case "\n": json += "\\n"
        case "\r": json += "\\r"
        case "\t": json += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{0}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: json.unicodeScalars.append(scalar)
        }
    }
    return json + "\""
}

let articles = [
    NewsArticle(id: "2", title: "Governments struggle to control global price of gas", content: "Hot air...."),
    NewsArticle(id: "1", title: "Tomorrow is another day", content: "And so is the day after."),
    NewsArticle(id: "3", title: "News for news' sake", content: "Nothing has happened."),
]

/// Stores every article in a new repository for channel "articles" and publishes it (Go: `buildRepo`).
func buildRepository(for server: EventServer) throws {
    let repository = SliceRepository()
    server.register(repository, for: "articles")
    for article in articles {
        repository.add(channel: "articles", article)
        try server.publish(article, to: ["articles"])
    }
}

/// Prints the first `count` events of a stream as `ID TYPE DATA`.
func printEvents(_ count: Int, of stream: EventSource) async {
    for await event in stream.events.prefix(count) {
        print(event.id, event.event, event.data)
    }
}

/// The port given with `--port N`, or 0 for a free one.
let port = CommandLine.arguments.drop { $0 != "--port" }.dropFirst().first.flatMap { Int($0) } ?? 0

let server = EventServer()
let http = try await EmbeddedHTTPServer.start(host: "127.0.0.1", port: port, routes: [
    "/articles": server.handler(channel: "articles"),
])
let url = URL(string: "http://127.0.0.1:\(http.port)/articles")!

// This will receive events in the order that they come.
let live = try await EventSource.subscribe(to: url)
try buildRepository(for: server)
await printEvents(3, of: live)
live.close()

// This will replay the events in order of id.
var resume = EventSource.Configuration()
resume.lastEventID = "1"
let replay = try await EventSource.subscribe(to: url, configuration: resume)
await printEvents(3, of: replay)
replay.close()

server.close()
try await http.shutdown()
