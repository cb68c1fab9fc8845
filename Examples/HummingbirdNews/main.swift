// HummingbirdNews: a news channel served by Hummingbird through SSEHummingbird.
//
//   GET  /events   streams the channel, replaying after Last-Event-ID (strictly after it) from an
//                  in-memory store of the newest 1,000 events
//   POST /events   {"event": "...", "data": "..."} publishes one event with the next id (1, 2,
//                  3, ...) and answers 201 {"id":"N"} once it is stored
//
// Options: --port P (0 picks a free port; defaults to 8080), --max-connection-time SECONDS,
// --cors ORIGIN. The first line on standard output is `listening on http://127.0.0.1:PORT`;
// logs go to standard error. The same contract as Examples/VaporNews.

import Foundation
import Hummingbird
import Logging
import SSEHummingbird
import SSEProtocol
import SSERepositories
import SSEServer

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
        FileHandle.standardError.write(Data("HummingbirdNews: \(message)\nusage: HummingbirdNews [--port P] [--max-connection-time SECONDS] [--cors ORIGIN]\n".utf8))
        exit(2)
    }
}

/// The body of `POST /events`.
struct Publication: Decodable {
    var event: String?
    var data: String
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}
let logger = Logger(label: "HummingbirdNews")

let store = RingRepository()
let events = EventServer(configuration: .init(
    crossOrigin: options.corsOrigin.map { .origins([$0]) } ?? .disabled,
    maximumConnectionTime: options.maximumConnectionTime,
    shutdownReconnectWindow: .seconds(2),
    logger: logger
))
events.register(store, for: "news")

let router = Router()
router.events("/events", events.handler(channel: "news"))
router.post("/events") { request, context -> Response in
    let publication = try await request.decode(as: Publication.self, context: context)
    let result = try await events.publish(
        MessageEvent(event: publication.event ?? "", data: publication.data),
        to: "news",
        storingIn: store
    )
    let body = #"{"id":"\#(result.event.id)"}"#
    return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}

let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: options.port)),
    services: [events],
    onServerRunning: { channel in
        FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(channel.localAddress?.port ?? options.port)\n".utf8))
    },
    logger: logger
)
try await app.runService()
