import ArgumentParser

/// `sse`: decode, encode, listen to and serve Server-Sent Events streams from the shell.
///
/// Decoding and encoding run in this program, which links only SSEProtocol so it starts in a
/// few milliseconds; `listen` and `serve` hand over to the companion program `sse-network`,
/// which carries the HTTP client and server.
@main
struct SSECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse",
        abstract: "Work with Server-Sent Events streams.",
        subcommands: [DecodeCommand.self, EncodeCommand.self, ListenCommand.self, ServeCommand.self]
    )
}
