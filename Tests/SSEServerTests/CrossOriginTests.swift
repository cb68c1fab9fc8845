import SSEServer
import SSETesting
import Testing

@Suite("CORS")
struct CrossOriginTests {
    @Test func anyOriginSendsAStar() async throws {
        let server = EventServer(configuration: .init(crossOrigin: .anyOrigin))
        defer { server.close() }
        let responder = await server.subscribeRecorder(headers: ["Origin": "https://a.example"])
        #expect(responder.recording.head?.headers["Access-Control-Allow-Origin"] == "*")
    }

    @Test func allowListEchoesOnlyListedOrigins() async throws {
        let server = EventServer(configuration: .init(crossOrigin: .origins(["https://a.example"])))
        defer { server.close() }
        let allowed = await server.subscribeRecorder(headers: ["Origin": "https://a.example"])
        #expect(allowed.recording.head?.headers["Access-Control-Allow-Origin"] == "https://a.example")
        #expect(allowed.recording.head?.headers["Vary"] == "Origin")
        let other = await server.subscribeRecorder(headers: ["Origin": "https://b.example"])
        #expect(other.recording.head?.status == 200)
        #expect(other.recording.head?.headers["Access-Control-Allow-Origin"] == nil)
    }

    @Test func preflightIsAnswered() async throws {
        let server = EventServer(configuration: .init(crossOrigin: .origins(["https://a.example"])))
        defer { server.close() }
        let responder = await server.subscribeRecorder(method: "OPTIONS", headers: [
            "Origin": "https://a.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "last-event-id",
        ])
        let head = try #require(responder.recording.head)
        #expect(head.status == 204)
        #expect(head.headers["Access-Control-Allow-Origin"] == "https://a.example")
        #expect(head.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS")
        #expect(head.headers["Access-Control-Allow-Headers"] == "last-event-id")
        #expect(responder.recording.isFinished)
    }

    @Test func preflightWithoutCORSIsNotAllowed() async throws {
        let server = EventServer()
        defer { server.close() }
        let responder = await server.subscribeRecorder(method: "OPTIONS")
        #expect(responder.recording.head?.status == 405)
    }
}
