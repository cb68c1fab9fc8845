import Synchronization

/// Looks up handlers by path; shared by every connection.
final class Router: Sendable {
    private let routes: Mutex<[String: any HTTPServerHandler]>

    init(routes: [String: any HTTPServerHandler]) {
        self.routes = Mutex(routes)
    }

    func mount(_ path: String, _ handler: any HTTPServerHandler) {
        routes.withLock { $0[path] = handler }
    }

    func handler(for path: String) -> (any HTTPServerHandler)? {
        routes.withLock { $0[path] }
    }
}
