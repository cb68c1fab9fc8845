#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEClient
import SSEProtocol
import SSETestSupport
import SSETesting
import SSETransport
import Testing

/// The whole client path (decoder, the reader's batches, the bounded buffer, the consumer's
/// strings) against the reference model, on the model tests' seeded random streams.
///
/// An event's fields travel as bytes through batches that are swapped, split, copied and handed
/// back; the unit tests pin down each layout, and these streams reach the combinations: fields in
/// every order, data of many lines, carried and empty ids, retry values, invalid UTF-8, and
/// buffers small enough that every hand-over is partial.
@Suite(.timeLimit(.minutes(1))) struct ClientModelTests {
    /// The events the model dispatches for a stream.
    private static func expectedEvents(_ test: DecoderModel.Case) -> [MessageEvent] {
        test.trace(reportsComments: false).result.outputs.compactMap { output in
            if case .event(let event) = output { event } else { nil }
        }
    }

    /// A one-shot stream of `input`, split into seeded random chunks, with the buffer's bounds.
    private static func stream(
        _ test: DecoderModel.Case,
        bufferSize: Int,
        maximumBufferedBytes: Int
    ) async throws -> EventSource {
        var random = DecoderModel.Random(seed: test.seed &* 7919)
        var chunks: [[UInt8]] = []
        var start = 0
        while start < test.input.count {
            let end = min(test.input.count, start + random.int(in: 1...64))
            chunks.append(Array(test.input[start..<end]))
            start = end
        }
        let body = chunks
        let transport = ScriptedTransport { _ in
            ClientResponse(status: 200, headers: ["Content-Type": "text/event-stream"], body: ClientResponseBody(chunks: body))
        }
        return try await EventSource.subscribe(
            to: URL(string: "http://example.invalid/model")!,
            configuration: .testing(TestClock()) { configuration in
                configuration.transport = transport
                configuration.completion = .oneShot()
                configuration.lastEventID = test.configuration(reportsComments: false).lastEventID
                configuration.bufferSize = bufferSize
                configuration.maximumBufferedBytes = maximumBufferedBytes
            }
        )
    }

    @Test(
        "every event the model dispatches arrives intact and in order, whatever the buffer's bounds",
        arguments: [(4096, 64 * 1024 * 1024), (3, 64 * 1024 * 1024), (1, 1), (5, 40)]
    )
    func eventsMatchTheModel(bufferSize: Int, maximumBufferedBytes: Int) async throws {
        try await withTimeout {
            var failures = 0
            var events = 0
            for test in DecoderModel.cases {
                let expected = Self.expectedEvents(test)
                let stream = try await Self.stream(test, bufferSize: bufferSize, maximumBufferedBytes: maximumBufferedBytes)
                let received = await stream.events.collect()
                stream.close()
                events += received.count
                if received != expected {
                    failures += 1
                    let common = min(received.count, expected.count)
                    let index = (0..<common).first { received[$0] != expected[$0] } ?? common
                    let got = index < received.count ? "\(received[index])" : "nothing"
                    let wanted = index < expected.count ? "\(expected[index])" : "nothing"
                    Issue.record(
                        "event \(index) of \(received.count) (expected \(expected.count)) was \(got), expected \(wanted); \(test.description)"
                    )
                    if failures == 3 { return }
                }
            }
            #expect(events > 500)
        }
    }

    @Test("an iterator dropped part-way hands the events it took back to the next one, which reads on as the model does")
    func aDroppedIteratorLosesNothing() async throws {
        try await withTimeout {
            for test in DecoderModel.cases where test.seed.isMultiple(of: 3) {
                let expected = Self.expectedEvents(test)
                guard expected.count >= 2 else { continue }
                let stream = try await Self.stream(test, bufferSize: 4, maximumBufferedBytes: 64 * 1024 * 1024)
                let first = Int(test.seed % UInt64(expected.count - 1)) + 1
                var received = await stream.events.prefix(first).collect()
                received += await stream.events.collect()
                stream.close()
                #expect(received == expected, "dropped after \(first); \(test.description)")
                if received != expected { return }
            }
        }
    }
}
