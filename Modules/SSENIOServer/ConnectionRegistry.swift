import NIOCore
import SSEProtocol
import SSETransport

/// The open connections of a server, so that shutdown can close them, and how many of them are
/// served, so that connections beyond the limit can be refused.
final class ConnectionRegistry: Sendable {
    /// What becomes of a new connection.
    enum Admission {
        /// Served as usual.
        case served
        /// Beyond the connection limit: its first request gets `503` and the connection closes.
        case overLimit
        /// The server shut down: close it.
        case shutDown
    }

    private struct State {
        /// Every open connection, and whether it counts toward the limit.
        var channels: [ObjectIdentifier: (channel: any Channel, served: Bool)] = [:]
        var served = 0
        var closed = false
    }

    private let maximumConnections: Int
    private let state = LockedState(State())

    /// Creates an empty registry.
    ///
    /// - Parameter maximumConnections: How many connections are served at once.
    init(maximumConnections: Int) {
        self.maximumConnections = maximumConnections
    }

    /// Adds a connection and says whether it is served.
    func add(_ channel: any Channel) -> Admission {
        state.withLock { state in
            guard !state.closed else { return .shutDown }
            let served = state.served < maximumConnections
            if served { state.served += 1 }
            state.channels[ObjectIdentifier(channel)] = (channel, served)
            return served ? .served : .overLimit
        }
    }

    func remove(_ channel: any Channel) {
        state.withLock { state in
            if state.channels.removeValue(forKey: ObjectIdentifier(channel))?.served == true { state.served -= 1 }
        }
    }

    /// Marks the server shut down and returns the connections to close.
    func closeAll() -> [any Channel] {
        state.withLock { state in
            state.closed = true
            defer {
                state.channels = [:]
                state.served = 0
            }
            return state.channels.values.map(\.channel)
        }
    }
}
