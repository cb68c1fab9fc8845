import Testing

/// The examples print exactly what the Go package's examples print.
@Suite("Examples")
struct ExampleOutputTests {
    /// The output of Go's `Event` example.
    static let timeTickerOutput = """
        1356998400000000000 Tick 2013-01-01 00:00:00 +0000 UTC
        1356998401000000000 Tick 2013-01-01 00:00:01 +0000 UTC
        1356998402000000000 Tick 2013-01-01 00:00:02 +0000 UTC
        1356998403000000000 Tick 2013-01-01 00:00:03 +0000 UTC
        1356998404000000000 Tick 2013-01-01 00:00:04 +0000 UTC

        """

    /// The output of Go's `Repository` example.
    static let newsReplayOutput = """
        2 News Article {"Title":"Governments struggle to control global price of gas","Content":"Hot air...."}
        1 News Article {"Title":"Tomorrow is another day","Content":"And so is the day after."}
        3 News Article {"Title":"News for news' sake","Content":"Nothing has happened."}
        1 News Article {"Title":"Tomorrow is another day","Content":"And so is the day after."}
        2 News Article {"Title":"Governments struggle to control global price of gas","Content":"Hot air...."}
        3 News Article {"Title":"News for news' sake","Content":"Nothing has happened."}

        """

    @Test(
        "Each example prints the Go example's output, byte for byte",
        .timeLimit(.minutes(1)),
        arguments: [("TimeTicker", timeTickerOutput), ("NewsReplay", newsReplayOutput)]
    )
    func printsTheGoOutput(example: String, expected: String) async throws {
        let run = try await ChildProcess.run(try BuiltProducts.executable(example))
        #expect(run.output == expected)
        #expect(run.status == 0, "stderr: \(run.errors)")
    }

    @Test("ChatStream prints 200 streamed tokens and exits 0 after [DONE]", .timeLimit(.minutes(1)))
    func chatStreamPrintsTheTokens() async throws {
        let run = try await ChildProcess.run(try BuiltProducts.executable("ChatStream"), arguments: ["--prompt", "Hello"])
        #expect(run.status == 0, "stderr: \(run.errors)")
        #expect(run.output.hasPrefix("(Hello) Server-Sent Events carry a model's answer"))
        #expect(run.output.split(separator: " ").count == 201)
        #expect(run.errors.contains("200 tokens, then [DONE]"))
    }
}
