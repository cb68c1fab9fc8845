import CompressNIO
import NIOCore
import SSEClient
import SSEProtocol
import SSETestSupport
import Testing

/// Large events within the default limits, and a compressed body that inflates without limit.
@Suite(.timeLimit(.minutes(1))) struct LargeEventTests {
    /// The LaunchDarkly SSE contract suite's large messages: 5 MB in one chunk, 10 MB in two.
    @Test(arguments: [(5_000_000, 1), (10_000_000, 2)])
    func aLargeEventArrivesIntactWithTheDefaultConfiguration(size: Int, chunks: Int) async throws {
        try await withTimeout(seconds: 50) {
            // Built in bulk: a per-byte closure over 10 MB holds a cooperative thread for
            // seconds in a debug build, stalling every other test's tasks.
            let payload = String(String(repeating: "abcdefghijklmnopqrstuvwxyz", count: size / 26 + 1).utf8.prefix(size))!
            let body = Array(sse("id: big\ndata: " + payload).utf8)
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead()
                let cut = body.count / chunks
                for start in stride(from: 0, to: body.count, by: cut) {
                    try await connection.write(bytes: Array(body[start..<min(start + cut, body.count)]))
                }
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                defer { stream.close() }
                let event = try await stream.nextEvent()
                #expect(event.id == "big")
                #expect(event.data.utf8.count == size)
                #expect(event.data == payload)
            }
        }
    }

    @Test func aGzipBombIsRefusedInsteadOfInflated() async throws {
        try await withTimeout {
            // 20 MB of blank lines: nothing to dispatch, so only the inflation limit can stop it.
            var plain = ByteBuffer(repeating: UInt8(ascii: "\n"), count: 20_000_000)
            let bomb = try plain.compress(with: .gzip())
            #expect(bomb.readableBytes * 500 < 20_000_000)
            try await ScriptedServer.run({ _, connection in
                try await connection.writeStreamHead(extraHeaders: "Content-Encoding: gzip\r\n")
                try await connection.write(bytes: Array(bomb.readableBytesView))
                await connection.waitForClientToClose()
            }) { server in
                let stream = try await EventSource.subscribe(to: server.url(), configuration: .testing(TestClock()))
                defer { stream.close() }
                let error = try await stream.nextError()
                #expect(error == .connectionFailed)
                #expect(String(describing: error.underlying).contains("limit"))
            }
        }
    }
}
