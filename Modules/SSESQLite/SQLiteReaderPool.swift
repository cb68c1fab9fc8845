import SQLiteNIO
import SSEProtocol

/// The read-only connections replays run on: at most `limit` open at once, reused while idle,
/// handed first-come, first-served to replays that wait for one.
///
/// A replay keeps its connection, with a read transaction open on it, for as long as its
/// subscriber takes to read the events past its first page; a replay that fits in one page hands
/// it back before it returns.
final class SQLiteReaderPool: Sendable {
    private struct State {
        var idle: [SQLiteConnection] = []
        /// Connections open or being opened, idle ones included.
        var open = 0
        var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
        var closed = false
    }

    /// The most connections open at once.
    let limit: Int
    private let connect: @Sendable () async throws -> SQLiteConnection
    private let state = LockedState(State())

    /// A pool of at most `limit` connections made by `connect`.
    init(limit: Int, connect: @escaping @Sendable () async throws -> SQLiteConnection) {
        precondition(limit > 0, "the reader pool needs at least one connection")
        self.limit = limit
        self.connect = connect
    }

    /// How many replays are waiting for a connection.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// How many connections are open.
    var openCount: Int { state.withLock { $0.open } }

    /// An idle connection, a new one while fewer than ``limit`` are open, or else the next one
    /// handed back.
    ///
    /// - Throws: ``SQLiteRepositoryError/closed`` once the store is closed, or the error of
    ///   opening a connection.
    func acquire() async throws -> SQLiteConnection {
        enum Next { case reuse(SQLiteConnection), connect, wait, closed }
        let next = state.withLock { state -> Next in
            if state.closed { return .closed }
            if let connection = state.idle.popLast() { return .reuse(connection) }
            if state.open < limit {
                state.open += 1
                return .connect
            }
            return .wait
        }
        switch next {
        case .reuse(let connection):
            return connection
        case .closed:
            throw SQLiteRepositoryError.closed
        case .connect:
            do {
                return try await connect()
            } catch {
                discard()
                throw error
            }
        case .wait:
            return try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<SQLiteConnection, any Error>) in
                let closed = state.withLock { state in
                    if !state.closed { state.waiters.append(waiter) }
                    return state.closed
                }
                if closed { waiter.resume(throwing: SQLiteRepositoryError.closed) }
            }
        }
    }

    /// Hands back a connection with no transaction open, to the first waiter or the idle list.
    func release(_ connection: SQLiteConnection) {
        let action = state.withLock { state -> (CheckedContinuation<SQLiteConnection, any Error>?, close: Bool) in
            if state.closed {
                state.open -= 1
                return (nil, true)
            }
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), false) }
            state.idle.append(connection)
            return (nil, false)
        }
        if let waiter = action.0 {
            waiter.resume(returning: connection)
        } else if action.close {
            Task { try? await connection.close() }
        }
    }

    /// Closes a connection that cannot be reused (its transaction could not be ended), making
    /// room for a new one.
    func close(broken connection: SQLiteConnection) async {
        try? await connection.close()
        discard()
    }

    /// Counts one connection less, and opens one for the first waiter if any.
    private func discard() {
        let waiter = state.withLock { state -> CheckedContinuation<SQLiteConnection, any Error>? in
            state.open -= 1
            guard !state.closed, !state.waiters.isEmpty else { return nil }
            state.open += 1
            return state.waiters.removeFirst()
        }
        guard let waiter else { return }
        Task {
            do {
                waiter.resume(returning: try await connect())
            } catch {
                discard()
                waiter.resume(throwing: error)
            }
        }
    }

    /// Closes the idle connections and refuses new replays; connections in use close when
    /// their replays hand them back.
    func close() async throws {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            state.open -= state.idle.count
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.resume(throwing: SQLiteRepositoryError.closed) }
        for connection in idle { try await connection.close() }
    }
}
