import ArgumentParser
import SSEProtocol
import SSEToolSupport

/// `sse encode`: turns JSON lines (as `sse decode` prints them) into the SSE wire format.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode JSON lines into a Server-Sent Events stream.",
        discussion: """
            Each input line is one JSON object: {"id","event","data","retry"} for an event (all \
            optional), {"retry":MILLISECONDS} alone for a retry block, {"comment":TEXT} for a \
            comment. Each is written as soon as its line is read. Bad lines are reported on \
            standard error with their line number and skipped; the exit status is then 1.
            """
    )

    func run() throws {
        let encoder = EventEncoder()
        var output = OutputBuffer()
        var lineNumber = 0
        var failures = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                switch try EventJSON.parse(line[...]) {
                case .event(let event, let retry): output.append(contentsOf: try encoder.encode(event, retry: retry))
                case .comment(let text): output.append(contentsOf: try encoder.encodeComment(text))
                case .retry(let retry): output.append(contentsOf: encoder.encodeRetry(retry))
                }
                output.flush()
            } catch {
                failures += 1
                printError("line \(lineNumber): \(error)")
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }
}
