// VaporNews: a news channel served by Vapor through SSEVapor.
//
//   GET  /events   streams the channel, replaying after Last-Event-ID (strictly after it) from an
//                  in-memory store of the newest 1,000 events
//   POST /events   {"event": "...", "data": "..."} publishes one event with the next id (1, 2,
//                  3, ...) and answers 201 {"id":"N"} once it is stored
//
// Options: --port P (0 picks a free port; defaults to 8080), --max-connection-time SECONDS,
// --cors ORIGIN. The first line on standard output is `listening on http://127.0.0.1:PORT`;
// logs go to standard error. The same contract as Examples/HummingbirdNews.

import Foundation
import Logging
import SSEProtocol
import SSERepositories
import SSEServer
import SSEVapor
import Vapor

/// The command line: `--port`, `--max-connection-time`, `--cors`.
struct Options {
    var port = 8080
    var maximumConnectionTime: Duration?
    var corsOrigin: String?

    /// Parses the arguments after the program name; exits with a usage message when they are wrong.
    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { Self.fail("\(flag) needs a value") }
            switch flag {
            case "--port":
                guard let port = Int(value), (0...65535).contains(port) else { Self.fail("bad port \(value)") }
                self.port = port
            case "--max-connection-time":
                guard let seconds = Double(value), seconds > 0 else { Self.fail("bad --max-connection-time \(value)") }
                maximumConnectionTime = .milliseconds(Int64(seconds * 1000))
            case "--cors":
                corsOrigin = value
            default:
                Self.fail("unknown option \(flag)")
            }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("VaporNews: \(message)\nusage: VaporNews [--port P] [--max-connection-time SECONDS] [--cors ORIGIN]\n".utf8))
        exit(2)
    }
}

/// The body of `POST /events`.
struct Publication: Content {
    var event: String?
    var data: String
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}

var configuration = EventServer.Configuration.vapor
configuration.crossOrigin = options.corsOrigin.map { .origins([$0]) } ?? .disabled
configuration.maximumConnectionTime = options.maximumConnectionTime
configuration.shutdownReconnectWindow = .seconds(2)
configuration.logger = Logger(label: "VaporNews")
let events = EventServer(configuration: configuration)
let store = RingRepository()
events.register(store, for: "news")

// Vapor parses its own command line: hand it `serve` with the address, not our options.
let environment = Environment(name: "production", arguments: ["VaporNews", "serve", "--hostname", "127.0.0.1", "--port", String(options.port)])
let app = try await Application.make(environment)
app.lifecycle.use(EventServerLifecycle(events))
app.events("events", handler: events.handler(channel: "news"))
app.post("events") { request async throws -> Response in
    let publication = try request.content.decode(Publication.self)
    let result = try await events.publish(
        MessageEvent(event: publication.event ?? "", data: publication.data),
        to: "news",
        storingIn: store
    )
    return Response(
        status: .created,
        headers: ["Content-Type": "application/json"],
        body: .init(string: #"{"id":"\#(result.event.id)"}"#)
    )
}
do {
    try await app.startup()
    FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(app.http.server.shared.localAddress?.port ?? options.port)\n".utf8))
    try await app.running?.onStop.get()
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
