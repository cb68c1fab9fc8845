import SSEProtocol
import SSERepositories
import SSEServer
import Testing

@Suite("Bad requests")
struct BadRequestTests {
    /// Checks that a well-behaved subscriber still gets events.
    private func expectStillServing(_ server: EventServer, port: Int) async throws {
        let client = try await RawConnection.get("/time", port: port)
        _ = try await client.head()
        try server.publish(MessageEvent(data: "still serving"), to: ["time"])
        #expect(try await client.events(1).map(\.data) == ["still serving"])
        await client.close()
    }

    @Test func unknownPathGets404() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.get("/nope", port: port)
            #expect(try await client.head().status == 404)
            #expect(try await client.wholeBody() == "No route for /nope\n")
            await client.close()
            try await expectStillServing(server, port: port)
        }
    }

    @Test func wrongMethodGets405WithAllow() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.open(port: port)
            try await client.sendRequest("POST", "/time", body: "hello")
            let head = try await client.head()
            #expect(head.status == 405)
            #expect(head["Allow"] == "GET, OPTIONS")
            await client.close()
            try await expectStillServing(server, port: port)
        }
    }

    @Test(arguments: [[0xFF, 0xFE], [0x41, 0x01, 0x42], [0xC3]] as [[UInt8]])
    func malformedLastEventIDBytesGet400(_ id: [UInt8]) async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.open(port: port)
            try await client.send(Array("GET /time HTTP/1.1\r\nHost: x\r\nLast-Event-ID: ".utf8) + id + Array("\r\n\r\n".utf8))
            #expect(try await client.head().status == 400)
            await client.close()
            #expect(server.subscriberCount(channel: "time") == 0)
            try await expectStillServing(server, port: port)
        }
    }

    @Test(arguments: ["é", "\u{7F}", "a\tb"])
    func lastEventIDOutsideTheIdRuleGets400(_ id: String) async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.open(port: port)
            try await client.send(Array("GET /time HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(id)\r\n\r\n".utf8))
            #expect(try await client.head().status == 400)
            await client.close()
            try await expectStillServing(server, port: port)
        }
    }

    @Test(arguments: ["1", "a b", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "550e8400-e29b-41d4-a716-446655440000"])
    func everyPublishableIdComesBackAsLastEventID(_ id: String) async throws {
        try await withEventServer(channels: ["articles"]) { server, port in
            let repository = SliceRepository()
            server.register(repository, for: "articles")
            let first = try await RawConnection.get("/articles", port: port)
            _ = try await first.head()
            let event = MessageEvent(id: id, data: "x")
            repository.add(channel: "articles", event)
            try server.publish(event, to: ["articles"])
            let received = try await first.events(1)[0].id
            #expect(received == id)
            await first.close()
            let again = try await RawConnection.get("/articles", port: port, headers: ["Last-Event-ID": received])
            #expect(try await again.head().status == 200)
            #expect(try await again.events(1).map(\.id) == [id])
            await again.close()
        }
    }

    @Test func garbageGets400AndACleanClose() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.open(port: port)
            try await client.send([0x00, 0x16, 0x03, 0x01] + Array("garbage\r\n\r\n".utf8))
            #expect(try await client.head().status == 400)
            try await client.waitUntilClosed()
            try await expectStillServing(server, port: port)
        }
    }

    @Test func aClientThatLeavesMidRequestHarmsNobody() async throws {
        try await withEventServer { server, port in
            let client = try await RawConnection.open(port: port)
            try await client.send(Array("GET /time HTTP/1.1\r\nHost: x\r\nLast-Ev".utf8))
            await client.close()
            try await expectStillServing(server, port: port)
        }
    }
}
