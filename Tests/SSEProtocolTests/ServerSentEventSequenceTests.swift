import SSETestSupport
import SSEProtocol
import Testing

@Suite("AsyncSequence.serverSentEvents decodes chunks as they arrive")
struct ServerSentEventSequenceTests {
    @Test("yields events from chunks split anywhere and ends cleanly")
    func decodesChunks() async throws {
        let chunks: [[UInt8]] = [Array("id: 1\nda".utf8), Array("ta: a\n\nda".utf8), Array("ta: b\r".utf8), Array("\n\r\n".utf8)]
        var outputs: [EventStreamDecoder.Output] = []
        for try await output in AsyncStream.of(chunks).serverSentEvents() { outputs.append(output) }
        #expect(outputs == [event("a", id: "1"), event("b", lastEventID: "1")])
    }

    @Test("throws unexpectedEnd when the bytes stop inside an event")
    func unexpectedEnd() async throws {
        var iterator = AsyncStream.of([Array("data: a\n\ndata: b\n".utf8)]).serverSentEvents().makeAsyncIterator()
        #expect(try await iterator.next() == event("a"))
        await #expect(throws: EventStreamError.unexpectedEnd) { try await iterator.next() }
    }

    @Test("times out when no line arrives, and every line resets the timer")
    func readTimeout() async throws {
        let clock = TestClock()
        let (chunks, input) = AsyncStream<[UInt8]>.makeStream()
        let sequence = chunks.serverSentEvents(readTimeout: .seconds(10), clock: clock)
        let (received, receiver) = AsyncStream<Result<EventStreamDecoder.Output, any Error>>.makeStream()
        let consumer = Task {
            do {
                for try await output in sequence { receiver.yield(.success(output)) }
            } catch {
                receiver.yield(.failure(error))
            }
            receiver.finish()
        }
        defer { consumer.cancel() }
        var results = received.makeAsyncIterator()

        input.yield(Array("data: a\n\n".utf8))
        #expect(try await results.next()?.get() == event("a"))
        await clock.waitForSleeper(until: .seconds(10))
        clock.advance(by: .seconds(6))
        input.yield(Array(":heartbeat\n".utf8))
        await clock.waitForSleeper(until: .seconds(16))
        clock.advance(by: .seconds(6))   // t = 12: past the first deadline, not the second
        input.yield(Array("data: b\n\n".utf8))
        #expect(try await results.next()?.get() == event("b"))
        await clock.waitForSleeper(until: .seconds(22))
        clock.advance(by: .seconds(10))  // t = 22
        guard case .failure(let error) = await results.next() else {
            Issue.record("the sequence did not fail")
            return
        }
        #expect(error as? EventStreamError == .readTimeout)
    }

    @Test func aBatchHoldsEveryOutputOfAChunkAndAnErrorAfterThemComesNext() async throws {
        let chunks = [Array("data: a\n\n: note\n\nretry: 5\ndata: b\n\n".utf8), Array("data: c\n\ndata: cut".utf8)]
        var iterator = AsyncStream.of(chunks).serverSentEvents().makeAsyncIterator()
        var batch: [EventStreamDecoder.Output] = []
        #expect(try await iterator.next(batch: &batch))
        #expect(batch.count == 3)
        #expect(batch.first == .event(MessageEvent(data: "a")))
        #expect(batch[1] == .retry(.milliseconds(5)))
        #expect(batch.last.map { if case .event(let event) = $0 { event.data } else { "" } } == "b")
        #expect(try await iterator.next(batch: &batch))
        #expect(batch.count == 1)
        await #expect(throws: EventStreamError.unexpectedEnd) { try await iterator.next(batch: &batch) }
    }

    @Test func eachOutputOfAChunkGoesToTheBodyUntilItStopsAndTheRestComesNext() async throws {
        let chunks = [Array("data: a\n\n: note\n\ndata: b\n\n".utf8), Array("data: c\n\ndata: cut".utf8)]
        var iterator = AsyncStream.of(chunks).serverSentEvents(configuration: .init(reportsComments: true))
            .makeAsyncIterator()
        var seen: [EventStreamDecoder.Output] = []
        // Stopping at the comment leaves the event after it in the decoder.
        #expect(try await iterator.next(each: { output in
            let isComment = if case .comment = output { true } else { false }
            seen.append(output)
            return !isComment
        }))
        #expect(seen == [.event(MessageEvent(data: "a")), .comment(" note")])
        #expect(try await iterator.next(each: { seen.append($0); return true }))
        #expect(seen.count == 3)
        #expect(seen.last.map { if case .event(let event) = $0 { event.data } else { "" } } == "b")
        // The next chunk's event comes first; the cut event's error only with the call after it.
        #expect(try await iterator.next(each: { seen.append($0); return true }))
        #expect(seen.count == 4)
        await #expect(throws: EventStreamError.unexpectedEnd) { try await iterator.next(each: { _ in true }) }
    }

    @Test func eachEndsWithFalseAtACleanEnd() async throws {
        var iterator = AsyncStream.of([Array("data: a\n\n".utf8)]).serverSentEvents().makeAsyncIterator()
        var count = 0
        #expect(try await iterator.next(each: { _ in count += 1; return true }))
        #expect(try await iterator.next(each: { _ in count += 1; return true }) == false)
        #expect(count == 1)
    }

    @Test func eachViewLendsTheBytesAndStopsLikeEach() async throws {
        let chunks = [Array("id: 7\nevent: tick\ndata: a\n\ndata: b\n\n".utf8)]
        var iterator = AsyncStream.of(chunks).serverSentEvents().makeAsyncIterator()
        var events: [MessageEvent] = []
        #expect(try await iterator.next(eachView: { view in
            if case .event(let event) = view { events.append(MessageEvent(event)) }
            return false
        }))
        #expect(events == [MessageEvent(id: "7", event: "tick", data: "a")])
        #expect(try await iterator.next(eachView: { view in
            if case .event(let event) = view { events.append(MessageEvent(event)) }
            return true
        }))
        #expect(events.last == MessageEvent(event: "", data: "b", lastEventID: "7"))
        #expect(try await iterator.next(eachView: { _ in true }) == false)
    }
}

extension AsyncStream where Element: Sendable {
    /// A finished stream of the given elements.
    static func of(_ elements: [Element]) -> AsyncStream<Element> {
        let (stream, continuation) = makeStream()
        for element in elements { continuation.yield(element) }
        continuation.finish()
        return stream
    }
}
