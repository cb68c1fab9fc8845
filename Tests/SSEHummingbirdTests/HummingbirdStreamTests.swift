import AdapterTestSupport
import Foundation
import NIOCore
import NIOPosix
import SSEClient
import SSEProtocol
import SSERepositories
import SSEServer
import SSETestSupport
import Testing

@Suite("Hummingbird: streams over real sockets", .timeLimit(.minutes(1)))
struct HummingbirdStreamTests {
    @Test func replaysStrictlyAfterLastEventIDWithTheReplayHeader() async throws {
        let store = RingRepository()
        try await HummingbirdTestApp.run(setUp: { $0.register(store, for: "news") }) { app in
            try await expectReplayStrictlyAfterLastEventID(server: app.server, store: store, url: app.url)
        }
    }

    @Test func streamsLiveEvents() async throws {
        try await HummingbirdTestApp.run { app in
            try await expectLiveEvents(server: app.server, url: app.url)
        }
    }

    @Test func aClientThatLeavesIsUnsubscribedWithoutAnyWrite() async throws {
        try await HummingbirdTestApp.run { app in
            let source = try await EventSource.subscribe(to: app.url)
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            source.close()
            // Nothing is published and no heartbeat runs: only the inbound close can tell.
            try await eventually("the unsubscription") { app.server.subscriberCount(channel: "news") == 0 }
        }
    }

    @Test func aSlowConsumerIsEnded() async throws {
        let configuration = EventServer.Configuration(bufferSize: 4, maximumBufferedBytes: 64 * 1024, finishDeadline: .milliseconds(200))
        try await HummingbirdTestApp.run(configuration) { app in
            // A client that sends its request and then never reads.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .channelOption(.socketOption(.so_rcvbuf), value: 4096)
                .connect(host: "127.0.0.1", port: app.port)
                .get()
            defer { channel.close(promise: nil) }
            let request = "GET /news HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: request))
            try await eventually("the subscription") { app.server.subscriberCount(channel: "news") == 1 }
            let payload = String(repeating: "x", count: 16 * 1024)
            var published = 0
            while app.server.subscriberCount(channel: "news") == 1 {
                try app.server.publish(MessageEvent(data: payload), to: ["news"])
                published += 1
                #expect(published < 10_000, "the slow consumer was never ended")
                if published >= 10_000 { break }
                await Task.yield()
            }
            #expect(app.server.subscriberCount(channel: "news") == 0)
        }
    }
}
