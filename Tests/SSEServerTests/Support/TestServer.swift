import SSENIOServer
import SSEServer
import SSETransport

/// Runs `body` against an ``EventServer`` mounted on a fresh embedded server at an ephemeral
/// port, one route per channel (`/CHANNEL`), and shuts both down afterwards.
func withEventServer(
    _ configuration: EventServer.Configuration = EventServer.Configuration(),
    channels: [String] = ["time"],
    _ body: (EventServer, Int) async throws -> Void
) async throws {
    let server = EventServer(configuration: configuration)
    var routes: [String: any HTTPServerHandler] = [:]
    for channel in channels { routes["/" + channel] = server.handler(channel: channel) }
    let http = try await EmbeddedHTTPServer.start(routes: routes)
    do {
        try await body(server, http.port)
    } catch {
        server.close()
        try await http.shutdown()
        throw error
    }
    server.close()
    try await http.shutdown()
}

/// Waits, yielding, until `condition` holds; fails after ten seconds.
func eventually(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw RawConnection.Timeout(description: "timed out waiting for \(what)") }
        await Task.yield()
    }
}
