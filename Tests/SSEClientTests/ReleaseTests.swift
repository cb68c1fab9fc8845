import SSEAsyncHTTPClient
import SSEClient
import SSEProtocol
import SSETestSupport
import SSETransport
import Testing

/// A stream nobody refers to any more closes its connection and ends its task.
@Suite(.timeLimit(.minutes(1))) struct ReleaseTests {
    /// The default transport, telling when it is released: the stream's task holds it until it ends.
    private final class ReleaseSignallingTransport: ClientTransport {
        let released: AsyncStream<Void>.Continuation

        init(released: AsyncStream<Void>.Continuation) {
            self.released = released
        }

        deinit {
            released.yield()
            released.finish()
        }

        func send(_ request: ClientRequest) async throws -> ClientResponse {
            try await AsyncHTTPClientTransport.shared.send(request)
        }
    }

    @Test func droppingEveryReferenceClosesTheConnectionAndEndsTheTask() async throws {
        try await withTimeout {
            let (serverSawClose, closeSink) = AsyncStream<Void>.makeStream()
            let (taskEnded, releaseSink) = AsyncStream<Void>.makeStream()
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: hello"))
                await connection.waitForClientToClose()
                closeSink.yield()
            }) { server in
                var stream: EventSource? = try await EventSource.subscribe(
                    to: server.url(),
                    configuration: .testing(TestClock()) { $0.transport = ReleaseSignallingTransport(released: releaseSink) }
                )
                #expect(try await stream?.nextEvent().data == "hello")
                stream = nil
                var closes = serverSawClose.makeAsyncIterator()
                #expect(await closes.next() != nil)
                var releases = taskEnded.makeAsyncIterator()
                #expect(await releases.next() != nil)
            }
        }
    }

    @Test func anEventsIteratorAloneKeepsTheStreamAlive() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                try await connection.write(sse("data: 1", "data: 2"))
                await connection.waitForClientToClose()
            }) { server in
                var stream: EventSource? = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                var events = stream!.events.makeAsyncIterator()
                stream = nil
                #expect(await events.next()?.data == "1")
                #expect(await events.next()?.data == "2")
            }
        }
    }

    @Test func anErrorsIteratorAloneKeepsTheStreamAlive() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
            }) { server in
                var stream: EventSource? = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                var errors = stream!.errors.makeAsyncIterator()
                stream = nil
                #expect(await errors.next() == .streamEnded)
            }
        }
    }
}
