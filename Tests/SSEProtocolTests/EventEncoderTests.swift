import SSEProtocol
import SSETestSupport
import Testing

struct Article: ServerSentEvent {
    var id: String
    var event: String
    var data: String
}

@Suite("EventEncoder writes Go's wire format")
struct EventEncoderTests {
    let encoder = EventEncoder()

    @Test("writes id, event and data in Go's order", arguments: [
        (Article(id: "1", event: "News Article", data: "hello"), "id: 1\nevent: News Article\ndata: hello\n\n"),
        (Article(id: "", event: "", data: "hello"), "data: hello\n\n"),
        (Article(id: "7", event: "", data: ""), "id: 7\ndata: \n\n"),
        (Article(id: "", event: "tick", data: "a\nb"), "event: tick\ndata: a\ndata: b\n\n"),
        (Article(id: "", event: "", data: "a\r\nb\rc\n"), "data: a\ndata: b\ndata: c\ndata: \n\n"),
        (Article(id: "a b~", event: "é", data: "✓"), "id: a b~\nevent: é\ndata: ✓\n\n"),
    ])
    func exactBytes(event: Article, expected: String) throws {
        #expect(try encoder.encode(event) == Array(expected.utf8))
    }

    @Test("writes a retry line when asked")
    func retry() throws {
        #expect(try encoder.encode(Article(id: "1", event: "", data: "x"), retry: .seconds(3))
            == Array("id: 1\nretry: 3000\ndata: x\n\n".utf8))
        #expect(encoder.encodeRetry(.milliseconds(1500)) == Array("retry: 1500\n\n".utf8))
    }

    @Test("writes comments as colon lines")
    func comments() throws {
        #expect(try encoder.encodeComment("keep-alive") == Array(":keep-alive\n".utf8))
        #expect(try encoder.encodeComment("") == Array(":\n".utf8))
    }

    @Test("refuses values that would break framing", arguments: [
        Article(id: "1\n", event: "", data: ""),
        Article(id: "1\r", event: "", data: ""),
        Article(id: "1\u{0}", event: "", data: ""),
        Article(id: "", event: "a\nb", data: ""),
        Article(id: "", event: "a\rb", data: ""),
    ])
    func refusesInjection(event: Article) {
        #expect(throws: EventStreamError.self) { try encoder.encode(event) }
        var buffer: [UInt8] = [1, 2]
        #expect(throws: EventStreamError.self) { try encoder.encode(event, into: &buffer) }
        #expect(buffer == [1, 2])
    }

    @Test("refuses ids that could not come back as Last-Event-ID", arguments: [
        " 1", "1 ", " ", "a\tb", "a\u{1F}b", "a\u{7F}b", "é", "\u{80}", "🎉", "1\u{0}",
    ])
    func refusesIdsOutsideTheRule(id: String) {
        #expect(!EventIDRule.accepts(id))
        #expect(throws: EventStreamError.invalidField("id")) { try encoder.encode(Article(id: id, event: "", data: "x")) }
    }

    @Test("accepts printable ASCII ids without surrounding spaces", arguments: [
        "", "1", "a b", "~", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "550e8400-e29b-41d4-a716-446655440000",
    ])
    func acceptsIdsInsideTheRule(id: String) throws {
        #expect(EventIDRule.accepts(id))
        let expected = id.isEmpty ? "data: x\n\n" : "id: \(id)\ndata: x\n\n"
        #expect(try encoder.encode(Article(id: id, event: "", data: "x")) == Array(expected.utf8))
    }

    @Test("refuses comments with line breaks")
    func refusesCommentInjection() {
        #expect(throws: EventStreamError.invalidField("comment")) { try encoder.encodeComment("a\ndata: evil") }
    }

    @Test("round-trips generated events through the decoder")
    func roundTrip() throws {
        var random = SplitMix64(seed: 0x5EED)
        let alphabet = Array("ab:c d\u{0}é✓🎉\n")
        var bytes: [UInt8] = []
        var expected: [EventStreamDecoder.Output] = []
        var lastEventID = ""
        for index in 0..<500 {
            let data = String((0..<Int(random.next() % 40)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            let id = index % 3 == 0 ? "" : "id-\(index)"
            let type = index % 4 == 0 ? "" : "type\(index % 5)"
            try encoder.encode(Article(id: id, event: type, data: data), into: &bytes)
            if !id.isEmpty { lastEventID = id }
            expected.append(.event(MessageEvent(id: id, event: type, data: data, lastEventID: lastEventID)))
        }
        let result = decode([bytes[...]])
        #expect(result.error == nil)
        #expect(result.outputs == expected)
    }
}
