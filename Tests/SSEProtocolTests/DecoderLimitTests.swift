import SSEProtocol
import Testing

@Suite("EventStreamDecoder bounds its memory")
struct DecoderLimitTests {
    let limit = 64

    @Test("a line longer than the limit without a line break is an error")
    func longUnterminatedLine() {
        var decoder = EventStreamDecoder(configuration: .init(maximumEventSize: limit))
        decoder.append([UInt8]("data: ".utf8) + [UInt8](repeating: 0x61, count: limit))
        #expect(throws: EventStreamError.eventTooLarge(limit: limit)) { try decoder.next() }
        #expect((try? decoder.next()) == .some(nil))
    }

    @Test("many data lines adding up past the limit are an error")
    func accumulatedData() {
        let line = [UInt8]("data: 0123456789\n".utf8)
        let result = decode([Array((0..<10).map { _ in line }.joined())[...]], configuration: .init(maximumEventSize: limit))
        #expect(result.outputs.isEmpty)
        #expect(result.error == .eventTooLarge(limit: limit))
    }

    @Test("an event exactly at the limit is accepted")
    func exactlyAtLimit() {
        let data = String(repeating: "z", count: limit - 1)
        let result = decode([Array("data: \(data)\n\n".utf8)[...]], configuration: .init(maximumEventSize: limit))
        #expect(result.outputs == [event(data)])
        #expect(result.error == nil)
    }

    @Test("long streams of small events stay within the limit")
    func manySmallEvents() {
        let bytes = Array(String(repeating: "data: 0123456789\n\n", count: 1000).utf8)
        let result = decode([bytes[...]], configuration: .init(maximumEventSize: limit))
        #expect(result.outputs.count == 1000)
        #expect(result.error == nil)
    }

    @Test("the error says what the limit was")
    func errorDescription() {
        #expect(EventStreamError.eventTooLarge(limit: limit).description.contains("64 bytes"))
        #expect(EventStreamError.unexpectedEnd.hasSameCode(as: .unexpectedEnd))
        #expect(!EventStreamError.unexpectedEnd.hasSameCode(as: .readTimeout))
    }
}
