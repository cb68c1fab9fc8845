import SSEProtocol
import Testing

/// The WHATWG "Server-sent events" parsing rules, one vector each.
let specVectors: [SpecVector] = [
    SpecVector("a data line and a blank line dispatch a message", "data: hello\n\n", [event("hello")]),
    SpecVector("data lines join with LF", "data: a\ndata: b\n\n", [event("a\nb")]),
    SpecVector("CRLF ends lines", "data: a\r\ndata: b\r\n\r\n", [event("a\nb")]),
    SpecVector("CR alone ends lines", "data: a\rdata: b\r\r", [event("a\nb")]),
    SpecVector("mixed line endings", "data: a\rdata: b\ndata: c\r\n\n", [event("a\nb\nc")]),
    SpecVector("a leading BOM is dropped", "\u{FEFF}data: x\n\n", [event("x")]),
    SpecVector("a second BOM is part of the field name", "\u{FEFF}\u{FEFF}data: x\n\n", []),
    SpecVector("a BOM after the start is not special", "data: x\n\n\u{FEFF}data: y\n\n", [event("x")]),
    SpecVector("comments are reported without the colon", ": hi\n:\ndata: x\n\n", [.comment(" hi"), .comment(""), event("x")]),
    SpecVector("only one leading space is removed", "data:  two\ndata:none\n\n", [event(" two\nnone")]),
    SpecVector("a line without colon is a field with an empty value", "data\n\n", [event("")]),
    SpecVector("two empty data lines make one LF", "data\ndata\n\n", [event("\n")]),
    SpecVector("colons after the first belong to the value", "data: a:b: c\n\n", [event("a:b: c")]),
    SpecVector("event sets the type", "event: add\ndata: 1\n\n", [event("1", type: "add")]),
    SpecVector("the type does not carry to the next event", "event: add\ndata: 1\n\ndata: 2\n\n",
               [event("1", type: "add"), event("2")]),
    SpecVector("a block without data is not dispatched and drops its type", "event: add\n\ndata: 2\n\n", [event("2")]),
    SpecVector("field names are case-sensitive", "Data: x\n\n", []),
    SpecVector("unknown fields are ignored", "foo: bar\ndata: x\n\n", [event("x")]),
    SpecVector("retry of digits is reported at once", "retry: 1500\ndata: x\n\n",
               [.retry(.milliseconds(1500)), event("x", retry: .milliseconds(1500))]),
    SpecVector("a retry-only block reports retry and dispatches nothing", "retry: 7\n\n", [.retry(.milliseconds(7))]),
    SpecVector("retry with a non-digit is ignored", "retry: 15x\nretry: -1\nretry:\nretry: 1 \n\n", []),
    SpecVector("retry too large for 64 bits is ignored", "retry: 99999999999999999999\n\n", []),
    SpecVector("id sets the event's id and the last event ID", "id: 1\ndata: a\n\n", [event("a", id: "1")]),
    SpecVector("the last event ID persists across events", "id: 1\ndata: a\n\ndata: b\n\n",
               [event("a", id: "1"), event("b", lastEventID: "1")]),
    SpecVector("an empty id resets the last event ID", "id: 1\ndata: a\n\nid\ndata: b\n\n",
               [event("a", id: "1"), event("b", lastEventID: "")]),
    SpecVector("an id containing NUL is ignored", "id: 1\ndata: a\n\nid: 2\u{0}3\ndata: b\n\n",
               [event("a", id: "1"), event("b", lastEventID: "1")]),
    SpecVector("an id-only block commits the last event ID", "id: 7\n\ndata: x\n\n", [event("x", lastEventID: "7")]),
    SpecVector("invalid UTF-8 becomes U+FFFD", [UInt8]("data: a".utf8) + [0xFF, 0xC3] + [UInt8]("\n\n".utf8),
               [event("a\u{FFFD}\u{FFFD}")]),
    SpecVector("multi-byte UTF-8 survives", "data: héllo ✓ 🎉\n\n", [event("héllo ✓ 🎉")]),
    SpecVector("control bytes other than CR and LF are ordinary bytes",
               "data: a\tb\u{0B}c\u{0C}d\u{0E}e\u{01}f\u{0}g\n\ndata: \u{0B}\u{0C}\t\u{0E}\r\n\r\n",
               [event("a\tb\u{0B}c\u{0C}d\u{0E}e\u{01}f\u{0}g"), event("\u{0B}\u{0C}\t\u{0E}")]),
    SpecVector("VT, FF and tab just after a line break start a new line's name",
               "data: x\n\u{0B}\u{0B}: v\r\u{0C}data: y\r\n\tdata: z\n\n", [event("x")]),
    SpecVector("blank lines alone dispatch nothing", "\n\n\r\n\r", []),
    SpecVector("an empty stream ends cleanly", "", []),
    SpecVector("a comment at the end is a clean end", "data: x\n\n:heartbeat\n", [event("x"), .comment("heartbeat")]),
    SpecVector("an unterminated line is an unexpected end", "data: x\n\ndata: y", [event("x")], endsWith: .unexpectedEnd),
    SpecVector("a block without its blank line is an unexpected end", "data: y\n", [], endsWith: .unexpectedEnd),
    SpecVector("a partial comment line is an unexpected end", ":partial", [], endsWith: .unexpectedEnd),
    SpecVector("a lone partial BOM is an unexpected end", [0xEF, 0xBB], [], endsWith: .unexpectedEnd),
]

@Suite("EventStreamDecoder follows the WHATWG parsing rules")
struct DecoderSpecVectorTests {
    @Test("decodes each vector fed whole", arguments: specVectors)
    func decodesWhole(vector: SpecVector) {
        let result = decode([vector.input[...]])
        #expect(result.outputs == vector.outputs)
        #expect(result.error == vector.endsWith)
    }

    @Test("gives the same result however the bytes are chunked", arguments: specVectors)
    func chunkingDoesNotMatter(vector: SpecVector) {
        for chunks in chunkings(of: vector.input) {
            let result = decode(chunks)
            #expect(result.outputs == vector.outputs, "chunks: \(chunks.map(Array.init))")
            #expect(result.error == vector.endsWith)
        }
    }

    @Test("drops comments unless asked for them")
    func dropsComments() {
        let result = decode([Array(": hi\ndata: x\n\n".utf8)[...]], configuration: .init())
        #expect(result.outputs == [event("x")])
    }

    @Test("dispatches blocks without data in Go mode")
    func goModeDispatchesBlocksWithoutData() {
        let configuration = EventStreamDecoder.Configuration(dispatchesBlocksWithoutData: true)
        let result = decode([Array("event: ping\n\nid: 3\n\n\n\ndata: x\n\n".utf8)[...]], configuration: configuration)
        #expect(result.outputs == [event("", type: "ping"), event("", id: "3"), event("x", lastEventID: "3")])
    }

    @Test("starts from the configured last event ID")
    func initialLastEventID() {
        let result = decode([Array("data: x\n\n".utf8)[...]], configuration: .init(lastEventID: "41"))
        #expect(result.outputs == [event("x", lastEventID: "41")])
    }

    @Test("exposes the last event ID and counts complete lines")
    func lastEventIDAndLineCount() throws {
        var decoder = EventStreamDecoder()
        decoder.append(Array("id: 9\n\n:c\r\ndata: x".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.lastEventID == "9")
        #expect(decoder.completedLines == 3)
    }

    @Test("dispatches a CR-terminated event without waiting for the next chunk")
    func crAtChunkEndDispatchesAtOnce() throws {
        var decoder = EventStreamDecoder()
        decoder.append(Array("data: x\r\r".utf8))
        #expect(try decoder.next() == event("x"))
        decoder.append(Array("\ndata: y\n\n".utf8))
        #expect(try decoder.next() == event("y"))
    }
}

@Suite("EventStreamDecoder.nextView and forEachAvailableView borrow the same results without building strings")
struct DecoderViewTests {
    @Test(
        "views carry the same fields as next() for every vector and chunking, one at a time or all available",
        arguments: specVectors, [false, true]
    )
    func viewsMatchOutputs(vector: SpecVector, allAvailable: Bool) {
        for chunks in chunkings(of: vector.input) {
            var decoder = EventStreamDecoder(configuration: .init(reportsComments: true))
            var outputs: [EventStreamDecoder.Output] = []
            let collect: (OutputView) -> Void = { view in
                switch view {
                case .event(let event):
                    let text = { (bytes: UnsafeBufferPointer<UInt8>) in String(decoding: bytes, as: UTF8.self) }
                    outputs.append(.event(MessageEvent(
                        id: text(event.id), event: text(event.event), data: text(event.data),
                        lastEventID: text(event.lastEventID), retry: event.retry
                    )))
                case .comment(let bytes): outputs.append(.comment(String(decoding: bytes, as: UTF8.self)))
                case .retry(let retry): outputs.append(.retry(retry))
                }
            }
            func drain() throws(EventStreamError) {
                if allAvailable {
                    try decoder.forEachAvailableView(collect)
                } else {
                    while try decoder.nextView(collect) {}
                }
            }
            var error: EventStreamError?
            do {
                for chunk in chunks {
                    decoder.append(chunk)
                    try drain()
                }
                decoder.finish()
                try drain()
            } catch let caught {
                error = caught
            }
            #expect(outputs == vector.outputs)
            #expect(error == vector.endsWith)
        }
    }
}
