import ArgumentParser

/// `sse`: decode, encode, listen to and serve Server-Sent Events streams from the shell.
@main
struct SSECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse",
        abstract: "Work with Server-Sent Events streams.",
        subcommands: [DecodeCommand.self, EncodeCommand.self, ListenCommand.self, ServeCommand.self]
    )
}
