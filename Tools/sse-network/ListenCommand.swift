import ArgumentParser
import SSEToolSupport
import Foundation
import SSEClient
import SSEProtocol
import SSETransport

/// `sse listen`: a curl for event streams; prints each event of a live stream as it arrives.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Print the events of a Server-Sent Events stream as they arrive.",
        discussion: """
            Connects with the project's EventSource and reconnects as it does: with the last event \
            ID, honouring the server's retry field, with exponential backoff. On a terminal events \
            print colored; with --json, or when standard output is not a terminal, each prints as \
            one JSON line exactly as `sse decode` prints it. A failed first connection, HTTP 204 \
            or an error that is not retried (4xx other than 408 and 429, a wrong content type) \
            ends it with status 1 and the reason on standard error.
            """
    )

    @Argument(help: "The stream's http or https URL.")
    var url: String

    @Option(name: .customShort("H"), help: "A request header, 'Name: value'; repeatable.")
    var header: [String] = []

    @Option(name: .customShort("X"), help: "The request method. Defaults to GET, or POST with -d.")
    var method: String?

    @Option(name: .customShort("d"), help: "The request body, sent again on every reconnection.")
    var data: String?

    @Option(help: "The Last-Event-ID to send with the first request.")
    var lastEventID = ""

    @Flag(help: "Print JSON lines even on a terminal.")
    var json = false

    @Option(help: "Exit 0 after this many events.")
    var maxEvents: Int?

    @Option(help: "Reconnect when no data (comments count) arrives for this many seconds.")
    var readTimeout: Double?

    func validate() throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? "") else {
            throw ValidationError("the URL must be an absolute http or https URL")
        }
        for field in header where !field.contains(":") {
            throw ValidationError("a header must look like 'Name: value', not '\(field)'")
        }
        if let maxEvents, maxEvents <= 0 { throw ValidationError("--max-events must be positive") }
        if let readTimeout, readTimeout <= 0 { throw ValidationError("--read-timeout must be positive") }
    }

    func run() async throws {
        OpenFileLimit.raiseToHardLimit()
        let lastError = LockedState<EventSourceError?>(nil)
        var configuration = EventSource.Configuration()
        configuration.lastEventID = lastEventID
        configuration.retry = .exponentialBackoff(max: .seconds(30), jitter: 0.5)
        configuration.reconnect = .transientFailures
        configuration.readTimeout = readTimeout.map { .milliseconds(Int64($0 * 1000)) }
        configuration.errorHandler = { error in
            lastError.withLock { $0 = error }
            return .proceed
        }

        let stream: EventSource
        do {
            stream = try await EventSource.subscribe(to: request(), configuration: configuration)
        } catch {
            printError(Self.oneLine(error))
            throw ExitCode.failure
        }
        let printer = EventPrinter(json: json || isatty(STDOUT_FILENO) == 0)
        var received = 0
        for await event in stream.events {
            printer.print(event)
            received += 1
            if received == maxEvents {
                stream.close()
                return
            }
        }
        printError(lastError.withLock { $0 }.map(Self.oneLine) ?? "the stream closed")
        throw ExitCode.failure
    }

    /// An error's description on one line (a response body excerpt may span several).
    private static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The request sent on every connection attempt.
    private func request() -> ClientRequest {
        var headers = HTTPHeaderFields()
        for field in header {
            let (name, value) = field.split(separator: ":", maxSplits: 1).map(String.init).pair
            headers.add(name: name.trimmingCharacters(in: .whitespaces), value: value.trimmingCharacters(in: .whitespaces))
        }
        return ClientRequest(
            url: URL(string: url)!,
            method: method ?? (data == nil ? "GET" : "POST"),
            headers: headers,
            body: data.map { Array($0.utf8) }
        )
    }
}

extension [String] {
    /// The first two elements, the second empty when missing.
    fileprivate var pair: (String, String) {
        (first ?? "", count > 1 ? self[1] : "")
    }
}
