import ArgumentParser

/// `sse-bench`: measures the event server and client. Each command prints progress and, as its last line,
/// one JSON object.
@main
struct SSEBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse-bench",
        abstract: "Benchmarks for the swift-sse server.",
        subcommands: [
            ClientCommand.self,
            ClientRunner.self,
            FanoutCommand.self,
            IdleCommand.self,
            PostgresCommand.self,
            StoresCommand.self,
            SubscribersCommand.self,
        ]
    )
}
