import Foundation
import SSEClient
import SSENIOServer
import SSEProtocol
import SSEServer
import Testing

/// The README's server-and-client example, verbatim, so that it keeps compiling and working.
@Suite("README")
struct ReadmeExampleTests {
    @Test("The README's example publishes an event and receives it", .timeLimit(.minutes(1)))
    func readmeExampleWorks() async throws {
        var printed: [String] = []
        func print(_ items: String...) { printed.append(items.joined(separator: " ")) }

        // README example begins
        let server = EventServer()
        let http = try await EmbeddedHTTPServer.start(port: 0, routes: ["/news": server.handler(channel: "news")])

        let url = URL(string: "http://127.0.0.1:\(http.port)/news")!
        let stream = try await EventSource.subscribe(to: url)
        try server.publish(MessageEvent(id: "1", event: "headline", data: "Hello, SSE"), to: ["news"])

        for await event in stream.events {
            print(event.id, event.event, event.data)  // 1 headline Hello, SSE
            break
        }
        stream.close()
        server.close()
        try await http.shutdown()
        // README example ends

        #expect(printed == ["1 headline Hello, SSE"])
    }
}
