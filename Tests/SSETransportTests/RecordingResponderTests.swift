import SSETesting
import SSETransport
import SSEProtocol
import Testing

@Suite("RecordingResponder")
struct RecordingResponderTests {
    @Test func recordsWhatAHandlerWritesInOrder() async throws {
        let responder = RecordingResponder()
        await ResponseHandler { _ in .text(201, "made") }.handle(HTTPServerRequest(method: "POST", uri: "/"), responder: responder)
        let recording = responder.recording
        #expect(recording.head?.status == 201)
        #expect(recording.head?.headers["Content-Length"] == "5")
        #expect(recording.bodyText == "made\n")
        #expect(recording.isFinished)
        #expect(!recording.isClosed)
    }

    @Test func workSubmittedFromWorkRunsAfterItInOrder() {
        let responder = RecordingResponder()
        responder.execute {
            responder.execute { responder.write(Array("b".utf8)) }
            responder.write(Array("a".utf8))
        }
        responder.execute { responder.write(Array("c".utf8)) }
        #expect(responder.recording.bodyText == "abc")
    }

    @Test func playsAPeerThatStallsResumesAndLeaves() async throws {
        let responder = RecordingResponder()
        let events = EventLog()
        responder.setEventHandler { events.append($0) }
        responder.setWritable(false)
        #expect(!responder.isWritable)
        responder.setWritable(true)
        #expect(responder.isWritable)
        responder.disconnect()
        responder.disconnect()
        responder.write(Array("late".utf8))
        #expect(events.all == [.writable, .closed])
        #expect(responder.recording.isClosed)
        #expect(responder.recording.body.isEmpty)
        #expect(!responder.isWritable)
    }

    @Test func waitingForAConditionThatNeverHoldsTimesOut() async {
        let responder = RecordingResponder()
        await #expect(throws: RecordingResponder.Timeout.self) {
            try await responder.waitUntil("nothing", timeout: .milliseconds(50)) { $0.isFinished }
        }
    }

    @Test func waitingWakesOnTheWriteThatSatisfiesIt() async throws {
        let responder = RecordingResponder()
        async let recording = responder.waitUntil("the body") { $0.bodyText == "done" }
        responder.execute { responder.write(Array("done".utf8)) }
        #expect(try await recording.bodyText == "done")
    }
}

/// Collects responder events from whatever thread reports them.
private final class EventLog: Sendable {
    private let events = LockedState<[HTTPServerResponderEvent]>([])
    func append(_ event: HTTPServerResponderEvent) { events.withLock { $0.append(event) } }
    var all: [HTTPServerResponderEvent] { events.withLock { $0 } }
}
