import AdapterTestSupport
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SSEClient
import SSEHummingbird
import SSEProtocol
import SSEServer

/// A Hummingbird application streaming `/news` from an ``EventServer`` on an ephemeral port of
/// 127.0.0.1, run in a `ServiceGroup` that a test shuts down gracefully.
struct HummingbirdTestApp {
    let server: EventServer
    let port: Int
    let group: ServiceGroup

    var url: URL { URL(string: "http://127.0.0.1:\(port)/news")! }

    /// Starts the application (with the `EventServer` among its `services` when asked), runs
    /// `body`, then shuts the group down and waits for it.
    static func run(
        _ configuration: EventServer.Configuration = .init(),
        serverAsService: Bool = false,
        setUp: (EventServer) -> Void = { _ in },
        _ body: (HummingbirdTestApp) async throws -> Void
    ) async throws {
        let server = EventServer(configuration: configuration)
        setUp(server)
        let router = Router()
        router.events("/news", server.handler(channel: "news"))
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: serverAsService ? [server] : [],
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("the application did not start") }
            let running = HummingbirdTestApp(server: server, port: port, group: group)
            do {
                try await body(running)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
