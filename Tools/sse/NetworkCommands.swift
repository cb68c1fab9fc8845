import ArgumentParser

/// A subcommand `sse-network` runs: `sse` passes it every argument, `--help` included.
protocol NetworkSubcommand: ParsableCommand {
    /// Everything after the subcommand's name.
    var arguments: [String] { get }
}

extension NetworkSubcommand {
    func run() throws {
        try NetworkProgram.run(subcommand: Self._commandName, arguments: arguments)
    }
}

/// `sse listen`: run by `sse-network listen`.
struct ListenCommand: NetworkSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Connect to a Server-Sent Events URL and print its events (runs sse-network listen)."
    )

    @Argument(parsing: .captureForPassthrough, help: "The arguments of sse-network listen; see sse listen --help.")
    var arguments: [String] = []
}

/// `sse serve`: run by `sse-network serve`.
struct ServeCommand: NetworkSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve standard input as a Server-Sent Events stream (runs sse-network serve)."
    )

    @Argument(parsing: .captureForPassthrough, help: "The arguments of sse-network serve; see sse serve --help.")
    var arguments: [String] = []
}
