import SSEProtocol
import SSEServer
import Testing

@Suite("Streams: headers, wire format, channels, comments")
struct StreamTests {
    @Test func responseHeadMatchesGo() async throws {
        try await withEventServer { _, port in
            let client = try await RawConnection.get("/time", port: port)
            let head = try await client.head()
            #expect(head.raw.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(head["Content-Type"] == "text/event-stream; charset=utf-8")
            #expect(head["Cache-Control"] == "no-cache, no-store, must-revalidate")
            #expect(head["Connection"] == "keep-alive")
            #expect(head["X-Accel-Buffering"] == "no")
            #expect(head["Access-Control-Allow-Origin"] == nil)
            #expect(head["Content-Encoding"] == nil)
            await client.close()
        }
    }

    @Test func publishedEventArrivesByteForByte() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            try server.publish(MessageEvent(id: "1", event: "tick", data: "line one\nline two"), to: ["time"])
            let expected = "id: 1\nevent: tick\ndata: line one\ndata: line two\n\n"
            let body = try await client.body("one event") { $0.count >= expected.utf8.count }
            #expect(String(decoding: body, as: UTF8.self) == expected)
            await client.close()
        }
    }

    @Test func publishReachesEveryNamedChannelAndNoOther() async throws {
        try await withEventServer(channels: ["a", "b", "c"]) { server, port in
            let a = try await RawConnection.get("/a", port: port)
            let b = try await RawConnection.get("/b", port: port)
            let c = try await RawConnection.get("/c", port: port)
            for client in [a, b, c] { _ = try await client.head() }
            try server.publish(MessageEvent(id: "1", data: "both"), to: ["a", "b"])
            try server.publish(MessageEvent(id: "2", data: "c only"), to: ["c"])
            #expect(try await a.events(1).map(\.data) == ["both"])
            #expect(try await b.events(1).map(\.data) == ["both"])
            #expect(try await c.events(1).map(\.data) == ["c only"])
            for client in [a, b, c] { await client.close() }
        }
    }

    @Test func commentsKeepTheirPlaceAmongEvents() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.get("/time", port: port)
            _ = try await client.head()
            try server.publish(MessageEvent(data: "first"), to: ["time"])
            try server.publishComment("between", to: ["time"])
            try server.publish(MessageEvent(data: "second"), to: ["time"])
            let outputs = try await client.outputs(3)
            #expect(outputs == [
                .event(MessageEvent(data: "first")),
                .comment("between"),
                .event(MessageEvent(data: "second")),
            ])
            await client.close()
        }
    }

    @Test func manySubscribersReceiveEveryEventInOrder() async throws {
        try await withEventServer { server, port in
            var clients: [RawConnection] = []
            for _ in 0..<20 {
                let client = try await RawConnection.get("/time", port: port)
                _ = try await client.head()
                clients.append(client)
            }
            for index in 0..<100 { try server.publish(MessageEvent(id: "\(index)", data: "\(index)"), to: ["time"]) }
            for client in clients {
                #expect(try await client.events(100).map(\.id) == (0..<100).map { "\($0)" })
                await client.close()
            }
        }
    }

    @Test func publishingAnIdWithANewlineThrows() async throws {
        let server = EventServer()
        #expect(throws: EventStreamError.invalidField("id")) {
            try server.publish(MessageEvent(id: "1\n2", data: "x"), to: ["time"])
        }
        #expect(throws: EventStreamError.invalidField("comment")) {
            try server.publishComment("a\nb", to: ["time"])
        }
    }
}
