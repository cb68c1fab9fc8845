import Foundation
import Logging
import NIOCore
import NIOPosix
import SSEClient
import SSEProtocol
import SSEServer
import SSEVapor
import Vapor

/// A Vapor application serving `/news` from an ``EventServer`` on an ephemeral port of
/// 127.0.0.1, started with Vapor's own `serve` command and shut down the way `execute()` does.
struct VaporTestApp {
    let server: EventServer
    let application: Application
    let port: Int

    var url: URL { URL(string: "http://127.0.0.1:\(port)/news")! }

    /// Starts the application, runs `body`, and shuts it down if `body` did not.
    static func run(
        _ configuration: EventServer.Configuration = .vapor,
        setUp: (Application, EventServer) -> Void = { _, _ in },
        _ body: (VaporTestApp) async throws -> Void
    ) async throws {
        let server = EventServer(configuration: configuration)
        let environment = Environment(name: "testing", arguments: ["vapor", "serve", "--hostname", "127.0.0.1", "--port", "0"])
        let application = try await Application.make(environment, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        application.lifecycle.use(EventServerLifecycle(server))
        application.events("news", handler: server.handler(channel: "news"))
        setUp(application, server)
        do {
            try await application.startup()
            let port = application.http.server.shared.localAddress?.port ?? 0
            try await body(VaporTestApp(server: server, application: application, port: port))
        } catch {
            if !application.didShutdown { try? await application.asyncShutdown() }
            throw error
        }
        if !application.didShutdown { try await application.asyncShutdown() }
    }
}

