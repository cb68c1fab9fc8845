import ArgumentParser
import Logging
import SSELogging
import SSENIOServer
import SSEProtocol
import SSEServer
import SSEToolSupport
import SSETransport
import ServiceLifecycle

/// `sse serve`: publishes the lines of standard input to browsers and other subscribers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve standard input as a Server-Sent Events stream, with a live page.",
        discussion: """
            Each input line is one JSON event as `sse encode` reads it ({"id","event","data"}, or \
            {"comment":TEXT}), or with --text the data of one event. Events are stored (ids are \
            assigned to events without one) and streamed at GET /CHANNEL, replaying what a client \
            missed after its Last-Event-ID. GET / is a page that shows the events live. With \
            --publish-token, POST /CHANNEL with 'Authorization: Bearer TOKEN' and one JSON event \
            as the body publishes it, answering 201 (200 for a known id) once it is stored. Bad \
            lines are reported with their line number and skipped. At the end of input the server \
            keeps serving; Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 8080

    @Option(help: "The channel name; the stream is served at /CHANNEL.")
    var channel = "events"

    @Option(help: ArgumentHelp(StoreOption.help), transform: StoreOption.init(parsing:))
    var store = StoreOption.memory

    @Flag(help: "Gzip the stream for clients that accept it.")
    var gzip = false

    @Option(help: "An origin allowed to read the stream from another site, or * for any.")
    var cors: [String] = []

    @Option(help: "Send a comment after this many seconds of silence.")
    var heartbeat: Double?

    @Option(help: "End each response after this many seconds; clients resume with Last-Event-ID.")
    var maxConnectionTime: Double?

    @Flag(help: "Each input line is the data of one event, not JSON.")
    var text = false

    @Option(help: "Accept POST /CHANNEL with 'Authorization: Bearer TOKEN'.")
    var publishToken: String?

    @Option(help: "Close a connection that takes longer to send a request, or sits idle between requests this long; streams never count as idle.")
    var requestTimeout: Double = 10

    @Option(help: "Serve at most this many connections at once, streams included; further ones get 503.")
    var maxConnections = 10_000

    @OptionGroup var protocolOptions: ProtocolOptions

    func validate() throws {
        guard !channel.isEmpty, !channel.contains("/"), !channel.contains("?") else {
            throw ValidationError("--channel must be a non-empty name without '/' or '?'")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        for seconds in [heartbeat, maxConnectionTime].compactMap(\.self) where seconds <= 0 {
            throw ValidationError("--heartbeat and --max-connection-time must be positive")
        }
        guard requestTimeout > 0, requestTimeout.isFinite else { throw ValidationError("--request-timeout must be positive") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        if publishToken?.isEmpty == true { throw ValidationError("--publish-token must not be empty") }
    }

    func run() async throws {
        OpenFileLimit.raiseToHardLimit()
        let opened = try await store.open()
        let eventStore = opened.store
        let server = EventServer(configuration: .init(
            crossOrigin: cors.isEmpty ? .disabled : cors.contains("*") ? .anyOrigin : .origins(cors),
            gzip: gzip,
            maximumConnectionTime: maxConnectionTime.map { .seconds($0) },
            heartbeatInterval: heartbeat.map { .seconds($0) }
        ), broker: opened.broker)
        server.register(eventStore, for: channel)
        let publisher = Publisher(server: server, store: eventStore, channel: channel)
        let services = ServiceGroup(
            services: opened.services + [server], gracefulShutdownSignals: [.sigint, .sigterm], logger: .disabled
        )
        let text = text
        var http: EmbeddedHTTPServer?
        let failure = await withTaskGroup(of: Finished.self) { group -> (any Error)? in
            group.addTask {
                do {
                    try await services.run()
                    return .services(nil)
                } catch {
                    return .services(error)
                }
            }
            defer { group.cancelAll() }
            do {
                // A PostgreSQL node listens before it serves: an event a subscriber's replay misses
                // then always arrives live.
                try await opened.ready()
                http = try await startHTTP(server: server, publisher: publisher)
            } catch {
                await services.triggerGracefulShutdown()
                return error
            }
            group.addTask {
                await Self.publishInput(to: publisher, text: text)
                return .input
            }
            while let finished = await group.next() {
                if case .services(let error) = finished { return error }
            }
            return nil
        }
        try await http?.shutdown()
        try await opened.close()
        if let failure {
            if failure is ExitCode { throw failure }
            // For example a PostgreSQL store that cannot reach its database.
            printError("stopped: \(String(reflecting: failure))")
            throw ExitCode.failure
        }
    }

    /// What ended in ``run()``'s task group.
    private enum Finished {
        case services((any Error)?)
        case input
    }

    /// Starts the HTTP server and announces its address.
    ///
    /// - Throws: `ExitCode.failure`, after saying why, when it cannot listen.
    private func startHTTP(server: EventServer, publisher: Publisher) async throws -> EmbeddedHTTPServer {
        let channel = channel
        let http: EmbeddedHTTPServer
        do {
            http = try await EmbeddedHTTPServer.start(host: host, port: port, routes: [
                "/\(channel)": PublishRoute(stream: server.handler(channel: channel), publisher: publisher, token: publishToken),
                "/": ResponseHandler { _ in LivePage.response(channel: channel, eventTypes: await publisher.eventTypes) },
            ], configuration: .init(
                requestTimeout: .seconds(requestTimeout),
                maximumConnections: maxConnections,
                protocols: protocolOptions.protocols
            ))
        } catch {
            printError("cannot listen on \(host):\(port): \(error)")
            throw ExitCode.failure
        }
        let base = "\(protocolOptions.scheme)://\(host.contains(":") ? "[\(host)]" : host):\(http.port)/"
        printError("serving \(base) (the stream is \(base)\(channel)); Ctrl-C stops")
        return http
    }

    /// Publishes each line of standard input; reports bad lines and carries on.
    private static func publishInput(to publisher: Publisher, text: Bool) async {
        for await line in StandardInputLines.start() {
            if line.text.allSatisfy(\.isWhitespace) { continue }
            do {
                if text {
                    try await publisher.publish(MessageEvent(data: line.text))
                    continue
                }
                switch try EventJSON.parse(line.text[...]) {
                case .event(let event, retry: nil): try await publisher.publish(event)
                case .comment(let comment): try await publisher.publishComment(comment)
                case .event, .retry: throw ToolError("sse serve cannot publish retry fields")
                }
            } catch {
                printError("line \(line.number): \(error)")
            }
        }
    }
}
