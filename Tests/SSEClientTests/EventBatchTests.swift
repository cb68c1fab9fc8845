import SSEProtocol
import Testing
@testable import SSEClient

/// How the reader's batches copy events and build them again: every layout of fields the
/// decoder can produce comes back as the event the decoder saw.
@Suite struct EventBatchTests {
    /// A stream with events of every layout: the usual lines; fields in another order; data of
    /// several lines; fields far apart (a long comment between them); no id, so the last event
    /// ID is an earlier event's; empty fields; and a retry.
    private static let stream = [
        "id: 1\nevent: tick\ndata: {\"n\":1}\n\n",
        "data: first\nid: 2\nevent: tock\n\n",
        "id: 3\ndata: line one\ndata: line two\n\n",
        "id: 4\n: " + String(repeating: "c", count: 200) + "\ndata: far from its id\n\n",
        "event: no-id\ndata: keeps 4 as last event ID\n\n",
        "data:\n\n",
        "id: 7\nretry: 1500\ndata: with retry\n\n",
        "id:\ndata: the id is reset\n\n",
        "id: 9\nevent: tick\ndata: " + String(repeating: "x", count: 1_000) + "\n\n",
    ].joined()

    /// The events of `stream` as the decoder sees them, and as a batch holds them.
    private func decode(_ stream: String) throws -> (expected: [MessageEvent], batch: EventBatch) {
        var decoder = EventStreamDecoder()
        decoder.append(stream.utf8)
        var expected: [MessageEvent] = []
        var batch = EventBatch()
        try decoder.forEachAvailableView { output in
            guard case .event(let view) = output else { return }
            expected.append(MessageEvent(view))
            batch.append(view)
        }
        return (expected, batch)
    }

    private func drain(_ batch: inout EventBatch) -> [MessageEvent] {
        var strings = RecentStrings()
        var events: [MessageEvent] = []
        while let event = batch.removeFirst(strings: &strings) { events.append(event) }
        return events
    }

    @Test func everyLayoutOfFieldsComesBackAsTheDecoderSawIt() throws {
        var (expected, batch) = try decode(Self.stream)
        #expect(expected.count == 9)
        #expect(batch.count == expected.count)
        for index in expected.indices {
            #expect(batch.lastEventID(at: index) == expected[index].lastEventID)
            #expect(batch.size(at: index) == expected[index].id.utf8.count + expected[index].event.utf8.count + expected[index].data.utf8.count)
        }
        #expect(drain(&batch) == expected)
        #expect(batch.isEmpty)
        #expect(expected[4].lastEventID == "4")
        #expect(expected[6].retry == .milliseconds(1500))
    }

    @Test func aBatchHoldsOnlyTheFieldsItCountsAndTheLastEventIDsThatDifferFromTheIDs() throws {
        let (expected, batch) = try decode(Self.stream)
        let counted = expected.reduce(0) { $0 + $1.id.utf8.count + $1.event.utf8.count + $1.data.utf8.count }
        #expect(batch.bytes == counted)
        let lastEventIDs = expected.enumerated().reduce(0) { total, element in
            element.element.lastEventID == element.element.id ? total : total + element.element.lastEventID.utf8.count
        }
        #expect(batch.payload.count == counted + lastEventIDs)
    }

    @Test func eventsCopiedFromAnotherBatchOrLeftAfterRemovingTheFirstOnesComeBackTheSame() throws {
        let (expected, source) = try decode(Self.stream)
        var copy = EventBatch()
        copy.append(source, range: 2..<6)
        copy.append(source, range: 6..<9)
        #expect(copy.bytes == (2..<9).reduce(0) { $0 + source.size(at: $1) })
        #expect(drain(&copy) == Array(expected[2...]))

        var rest = source
        rest.removeFirst(3)
        #expect(rest.count == expected.count - 3)
        #expect(rest.lastEventID(at: 1) == expected[4].lastEventID)
        #expect(drain(&rest) == Array(expected[3...]))
    }

    @Test func payloadBytesGrowMoveAndCopyRunsExactly() {
        func bytes(_ payload: PayloadBytes) -> [UInt8] { payload.withUnsafeBytes { Array($0) } }
        let long = (0..<700).map { UInt8(truncatingIfNeeded: $0) }
        var payload = PayloadBytes()
        long.withUnsafeBufferPointer { long in
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            #expect(payload.append(UnsafeBufferPointer(rebasing: long[0..<3]), empty, UnsafeBufferPointer(rebasing: long[3..<5])) == 0)
            // Past the first storage's 256 bytes, in one step.
            #expect(payload.append(empty, UnsafeBufferPointer(rebasing: long[5..<300]), empty, UnsafeBufferPointer(rebasing: long[300..<700])) == 5)
        }
        #expect(payload.count == 700)
        #expect(bytes(payload) == long)

        var copy = PayloadBytes()
        copy.append(payload, range: 650..<700)
        copy.append(payload, range: 10..<10)
        copy.append(payload, range: 0..<600)
        #expect(bytes(copy) == Array(long[650..<700] + long[0..<600]))

        payload.removeFirst(690)
        #expect(bytes(payload) == Array(long[690...]))
        payload.removeAll()
        #expect(payload.count == 0)
        _ = long.withUnsafeBufferPointer { long in
            payload.append(UnsafeBufferPointer(rebasing: long[7..<9]), UnsafeBufferPointer(rebasing: long[1..<2]), UnsafeBufferPointer(rebasing: long[0..<0]))
        }
        #expect(bytes(payload) == [7, 8, 1])
    }
}
