import Foundation
import Testing

/// `sse decode` and `sse encode` run as a user runs them: the built executable, real pipes.
@Suite("sse decode and sse encode", .timeLimit(.minutes(1)))
struct SSEToolCodecTests {
    @Test("decode prints each event the moment its blank line arrives, before the input ends")
    func decodeStreams() async throws {
        let decoder = try ChildProcess(try BuiltProducts.executable("sse"), arguments: ["decode"])
        defer { decoder.terminate() }
        var lines = LineReader(decoder.standardOutput)
        decoder.send("id: 1\ndata: first\n")
        #expect(await lines.next() == #"{"id":"1","event":"message","data":"first"}"#)
        decoder.send("event: second\ndata: a\ndata: b\n")
        #expect(await lines.next() == #"{"id":"1","event":"second","data":"a\nb"}"#)
    }

    @Test("decode exits 0 at a clean end and prints retry and, when asked, comments")
    func decodeCleanEnd() async throws {
        let file = try temporaryFile(": hello\r\nretry: 250\r\ndata: x\r\n\r\n")
        let result = try await run(["decode", "--comments", file])
        #expect(result.status == 0)
        #expect(result.output == #"{"comment":" hello"}"# + "\n" + #"{"retry":250}"# + "\n"
            + #"{"id":"","event":"message","data":"x"}"# + "\n")
    }

    @Test("decode exits non-zero with a reason when the input ends inside an event")
    func decodeUnexpectedEnd() async throws {
        let result = try await run(["decode", try temporaryFile("data: whole\n\ndata: partial")])
        #expect(result.status != 0)
        #expect(result.output == #"{"id":"","event":"message","data":"whole"}"# + "\n")
        #expect(result.errors.contains("ended in the middle of an event"))
    }

    @Test("decode exits non-zero with a reason for an oversized event")
    func decodeOversized() async throws {
        let file = try temporaryFile("data: " + String(repeating: "x", count: 200) + "\n\n")
        let result = try await run(["decode", "--max-event-size", "100", file])
        #expect(result.status != 0)
        #expect(result.errors.contains("maximum event size of 100 bytes"))
    }

    @Test("decode --count prints the number of events")
    func decodeCount() async throws {
        let stream = String(repeating: "id: 7\nevent: tick\ndata: {}\n\n: comment\n\n", count: 1000)
        let result = try await run(["decode", "--count", try temporaryFile(stream)])
        #expect(result.status == 0)
        #expect(result.output == "1000\n")
    }

    @Test("encode writes Go's wire format and decode reads it back")
    func encodeRoundTrip() async throws {
        let input = [
            #"{"id":"1","event":"greeting","data":"hi\nthere"}"#,
            #"{"comment":"keep-alive"}"#,
            #"{"retry":1500}"#,
            #"{"data":"plain"}"#,
        ]
        let encoded = try await run(["encode"], input: input)
        #expect(encoded.status == 0)
        #expect(encoded.output == "id: 1\nevent: greeting\ndata: hi\ndata: there\n\n:keep-alive\nretry: 1500\n\ndata: plain\n\n")
        let decoded = try await run(["decode", try temporaryFile(encoded.output)])
        #expect(decoded.output == #"{"id":"1","event":"greeting","data":"hi\nthere"}"# + "\n" + #"{"retry":1500}"# + "\n"
            + #"{"id":"1","event":"message","data":"plain"}"# + "\n")
    }

    @Test("encode reports bad lines with their number, skips them, and exits non-zero")
    func encodeBadLines() async throws {
        let input = [#"{"data":"ok"}"#, "not json", #"{"id":"a\nb","data":"x"}"#, #"{"data":"still ok"}"#]
        let result = try await run(["encode"], input: input)
        #expect(result.status != 0)
        #expect(result.output == "data: ok\n\ndata: still ok\n\n")
        #expect(result.errors.contains("line 2:"))
        #expect(result.errors.contains("line 3:"))
    }
}

/// Runs `sse` with `arguments`, feeding `input` lines on standard input, until it exits.
private func run(_ arguments: [String], input: [String] = []) async throws -> ChildProcess.Completion {
    let process = try ChildProcess(try BuiltProducts.executable("sse"), arguments: arguments)
    for line in input { process.send(line) }
    process.closeInput()
    async let errors = process.standardError.collected()
    let output = await process.standardOutput.collected()
    return ChildProcess.Completion(
        status: await process.exitStatus(),
        output: String(decoding: output, as: UTF8.self),
        errors: String(decoding: await errors, as: UTF8.self)
    )
}

/// Writes `text` to a new temporary file and returns its path.
private func temporaryFile(_ text: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sse-tool-\(UUID().uuidString).txt")
    try Data(text.utf8).write(to: url)
    return url.path
}
