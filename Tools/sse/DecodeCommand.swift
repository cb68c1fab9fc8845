import ArgumentParser
import SSEProtocol
import SSEToolSupport

/// `sse decode`: prints each event of an SSE byte stream as one JSON line, as soon as it is read.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a Server-Sent Events stream into one JSON object per line.",
        discussion: """
            Events print as {"id":LAST_EVENT_ID,"event":TYPE,"data":DATA} the moment their blank \
            line is read; TYPE is "message" when the block had no event field. A valid retry field \
            prints {"retry":MILLISECONDS}; with --comments, comments print {"comment":TEXT}. \
            Exits 0 at a clean end, 1 when the input ends inside an event or an event is too large.
            """
    )

    @Argument(help: "The file to read; standard input when omitted or '-'.")
    var file: String?

    @Flag(help: "Also print comment lines.")
    var comments = false

    @Flag(help: "Print only the number of events at the end.")
    var count = false

    @Option(help: "The largest event accepted, in bytes.")
    var maxEventSize = EventStreamDecoder.Configuration().maximumEventSize

    /// The most bytes read from the input at a time.
    static let chunkSize = 1 << 16

    func validate() throws {
        guard maxEventSize > 0 else { throw ValidationError("--max-event-size must be positive") }
    }

    func run() throws {
        let reader = try ChunkReader(path: file)
        var decoder = EventStreamDecoder(configuration: .init(
            maximumEventSize: maxEventSize,
            reportsComments: comments && !count
        ))
        var output = OutputBuffer()
        var events = 0
        do {
            // The reader writes straight into the decoder's buffer: no copy of the chunk.
            while try decoder.append(upTo: Self.chunkSize, from: { try reader.readChunk(into: $0) }) > 0 {
                if count {
                    try decoder.forEachAvailableView { if case .event = $0 { events += 1 } }
                } else {
                    while let item = try decoder.next() { EventJSON.append(item, to: &output) }
                    output.flush()
                }
            }
            decoder.finish()
            while let item = try decoder.next() {
                if !count {
                    EventJSON.append(item, to: &output)
                } else if case .event = item {
                    events += 1
                }
            }
        } catch let error as EventStreamError {
            output.flush()
            printError(error.description)
            throw ExitCode.failure
        }
        if count { output.append("\(events)\n") }
        output.flush()
    }
}
