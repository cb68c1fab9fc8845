import ArgumentParser
import SSEToolSupport

/// `sse listen`: run by `sse-network listen`, which gets every argument.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Connect to a Server-Sent Events URL and print its events (runs sse-network listen)."
    )

    @Argument(parsing: .captureForPassthrough, help: "The arguments of sse-network listen; see sse listen --help.")
    var arguments: [String] = []

    func run() throws {
        try NetworkProgram.run(subcommand: "listen", arguments: arguments)
    }
}

/// `sse serve`: run by `sse-network serve`, which gets every argument.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve standard input as a Server-Sent Events stream (runs sse-network serve)."
    )

    @Argument(parsing: .captureForPassthrough, help: "The arguments of sse-network serve; see sse serve --help.")
    var arguments: [String] = []

    func run() throws {
        try NetworkProgram.run(subcommand: "serve", arguments: arguments)
    }
}
