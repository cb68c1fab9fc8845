import SSEServer
import Testing

@Suite("CORS")
struct CrossOriginTests {
    @Test func anyOriginSendsAStar() async throws {
        try await withEventServer(.init(crossOrigin: .anyOrigin)) { _, port in
            let client = try await RawConnection.get("/time", port: port, headers: ["Origin": "https://a.example"])
            #expect(try await client.head()["Access-Control-Allow-Origin"] == "*")
            await client.close()
        }
    }

    @Test func allowListEchoesOnlyListedOrigins() async throws {
        try await withEventServer(.init(crossOrigin: .origins(["https://a.example"]))) { _, port in
            let allowed = try await RawConnection.get("/time", port: port, headers: ["Origin": "https://a.example"])
            let allowedHead = try await allowed.head()
            #expect(allowedHead["Access-Control-Allow-Origin"] == "https://a.example")
            #expect(allowedHead["Vary"] == "Origin")
            let other = try await RawConnection.get("/time", port: port, headers: ["Origin": "https://b.example"])
            #expect(try await other.head()["Access-Control-Allow-Origin"] == nil)
            await allowed.close()
            await other.close()
        }
    }

    @Test func preflightIsAnswered() async throws {
        try await withEventServer(.init(crossOrigin: .origins(["https://a.example"]))) { _, port in
            let client = try await RawConnection.open(port: port)
            try await client.sendRequest("OPTIONS", "/time", headers: [
                "Origin": "https://a.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "last-event-id",
            ])
            let head = try await client.head()
            #expect(head.status == 204)
            #expect(head["Access-Control-Allow-Origin"] == "https://a.example")
            #expect(head["Access-Control-Allow-Methods"] == "GET, OPTIONS")
            #expect(head["Access-Control-Allow-Headers"] == "last-event-id")
            await client.close()
        }
    }

    @Test func preflightWithoutCORSIsNotAllowed() async throws {
        try await withEventServer { _, port in
            let client = try await RawConnection.open(port: port)
            try await client.sendRequest("OPTIONS", "/time")
            #expect(try await client.head().status == 405)
            await client.close()
        }
    }
}
