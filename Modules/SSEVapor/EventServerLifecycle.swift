import SSEServer
import Vapor

/// Ends an `EventServer`'s streams when the Vapor application shuts down, before Vapor stops its
/// HTTP server and waits (up to its `shutdownTimeout`) for open connections.
///
/// Vapor runs lifecycle handlers' shutdown before it stops its servers: this one closes the
/// `EventServer`, so each stream sends its queued events and its `retry:` hint (when
/// `EventServer.Configuration.shutdownReconnectWindow` is set) and ends, and returns once every
/// stream has ended or was closed at `EventServer.Configuration.shutdownDeadline`.
///
/// ```swift
/// app.lifecycle.use(EventServerLifecycle(events))
/// ```
public struct EventServerLifecycle: LifecycleHandler {
    /// The server closed at shutdown.
    public let server: EventServer

    /// Creates the handler.
    ///
    /// - Parameter server: The server to close when the application shuts down.
    public init(_ server: EventServer) {
        self.server = server
    }

    /// Closes the server and waits until every stream has ended.
    ///
    /// - Parameter application: The application shutting down.
    public func shutdownAsync(_ application: Application) async {
        server.close(reconnectWindow: server.configuration.shutdownReconnectWindow)
        await server.run()
    }

    /// Closes the server without waiting (Vapor's blocking `shutdown()`).
    ///
    /// - Parameter application: The application shutting down.
    public func shutdown(_ application: Application) {
        server.close(reconnectWindow: server.configuration.shutdownReconnectWindow)
    }
}
