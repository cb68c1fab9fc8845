import SSEProtocol
import SSEServer
import Testing

@Suite("Slow consumers")
struct SlowConsumerTests {
    @Test func aClientThatStopsReadingIsCutOffWhileOthersKeepReceiving() async throws {
        try await withEventServer(.init(bufferSize: 16)) { server, port in
            let slow = try await RawConnection.get("/time", port: port)
            let fast = try await RawConnection.get("/time", port: port)
            _ = try await slow.head()
            _ = try await fast.head()
            try await slow.stopReading()

            let data = String(repeating: "x", count: 16 * 1024)
            let eventSize = "data: \(data)\n\n".utf8.count
            var published = 0
            while server.subscriberCount(channel: "time") == 2 {
                try #require(published < 10_000, "the slow client was never disconnected")
                for _ in 0..<8 { try server.publish(MessageEvent(data: data), to: ["time"]) }
                published += 8
                let expected = published * eventSize
                _ = try await fast.body("\(published) events") { $0.count >= expected }
            }
            try server.publish(MessageEvent(id: "last", data: "after"), to: ["time"])
            let last = "id: last\ndata: after\n\n"
            let total = published * eventSize + last.utf8.count
            let body = try await fast.body("the last event") { $0.count >= total }
            #expect(String(decoding: body.suffix(last.utf8.count), as: UTF8.self) == last)
            #expect(server.subscriberCount(channel: "time") == 1)
            await slow.close()
            await fast.close()
        }
    }
}
