import ArgumentParser

/// `sse-network`: the program behind `sse listen` and `sse serve`, kept apart from `sse` so that
/// decoding and encoding do not load the HTTP client and server at every start.
@main
struct SSENetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse-network",
        abstract: "Listen to and serve Server-Sent Events streams (also run as sse listen / sse serve).",
        subcommands: [ListenCommand.self, ServeCommand.self]
    )
}
