import AdapterTestSupport
import SSEProtocol
import SSEServer
import SSETransport
import Testing

/// The framework-neutral responder both adapters use, driven without sockets.
@Suite("AsyncWriterResponder: buffering, watermarks, ending", .timeLimit(.minutes(1)))
struct AsyncWriterResponderTests {
    /// A handler that writes what a test tells it to, through the responder's serial context.
    struct Scripted: HTTPServerHandler {
        let events: LockedState<[HTTPServerResponderEvent]>
        func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
            responder.execute {
                responder.setEventHandler { event in events.withLock { $0.append(event) } }
                responder.writeHead(HTTPServerResponseHead(status: 200, headers: ["Content-Type": "text/event-stream"]))
            }
        }
    }

    @Test func defaultsAreDocumented() {
        let configuration = AsyncWriterResponder.Configuration()
        #expect(configuration.highWatermark == 64 * 1024)
        #expect(configuration.lowWatermark == 16 * 1024)
    }

    @Test func isNotWritableAtTheHighWatermarkAndReportsWritableAtTheLowOne() async throws {
        let events = LockedState<[HTTPServerResponderEvent]>([])
        let (responder, head) = await AsyncWriterResponder.serve(
            HTTPServerRequest(method: "GET", uri: "/"),
            with: Scripted(events: events),
            configuration: .init(highWatermark: 100, lowWatermark: 10)
        )
        #expect(head.status == 200)
        responder.execute {
            responder.write(Array(repeating: UInt8(ascii: "a"), count: 99))
            responder.flush()
        }
        #expect(responder.isWritable)
        responder.execute {
            responder.write([UInt8(ascii: "b")])
            responder.flush()
        }
        #expect(!responder.isWritable)
        let written = LockedState<[[UInt8]]>([])
        let writer = Task {
            await responder.writeBody { bytes in written.withLock { $0.append(bytes) } }
        }
        try await eventually("the writable event") { events.withLock { $0 } == [.writable] }
        #expect(responder.isWritable)
        #expect(written.withLock { $0.map(\.count) } == [100])
        responder.execute { responder.finish() }
        #expect(await writer.value == .finished)
        #expect(events.withLock { $0 } == [.writable, .closed])
    }

    @Test func closeEndsTheBodyAndDropsWhatWasNotTaken() async throws {
        let events = LockedState<[HTTPServerResponderEvent]>([])
        let (responder, _) = await AsyncWriterResponder.serve(HTTPServerRequest(method: "GET", uri: "/"), with: Scripted(events: events))
        responder.execute {
            responder.write(Array("data: dropped\n\n".utf8))
            responder.close()
        }
        let written = LockedState<[[UInt8]]>([])
        #expect(await responder.writeBody { bytes in written.withLock { $0.append(bytes) } } == .closed)
        #expect(written.withLock { $0 }.isEmpty)
        #expect(events.withLock { $0 } == [.closed])
    }

    @Test func aHandlerThatWritesNoHeadGetsAnEmptyServerError() async {
        struct Silent: HTTPServerHandler {
            func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {}
        }
        let (responder, head) = await AsyncWriterResponder.serve(HTTPServerRequest(method: "GET", uri: "/"), with: Silent())
        #expect(head.status == 500)
        #expect(await responder.writeBody { _ in } == .finished)
    }
}
