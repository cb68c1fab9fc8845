import SSEProtocol
import SSETransport

/// Looks up handlers by path; shared by every connection.
final class Router: Sendable {
    private let routes: LockedState<[String: any HTTPServerHandler]>

    init(routes: [String: any HTTPServerHandler]) {
        self.routes = LockedState(routes)
    }

    func mount(_ path: String, _ handler: any HTTPServerHandler) {
        routes.withLock { $0[path] = handler }
    }

    func handler(for path: String) -> (any HTTPServerHandler)? {
        routes.withLock { $0[path] }
    }
}
