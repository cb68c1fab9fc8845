import ArgumentParser
import SSEPostgres
import SSERepositories
import SSESQLite
import SSEServer
import ServiceLifecycle

/// The `--store` of `sse serve`: `memory` (a bounded ring), `sqlite:PATH` (a durable file) or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]` (a PostgreSQL database that several
/// `sse serve` nodes share: history and live fan-out across nodes; `sslmode` and `sslrootcert` as
/// ``PostgresEventStore/Configuration/init(url:schema:retention:)`` reads them).
///
/// All are bounded per channel; PostgreSQL keeps ``PostgresEventStore/Configuration/defaultRetention``,
/// the same limits as SQLite. The SQLite file keeps ``sqliteRetention``: the newest 100,000
/// events, at most 64 MiB of event ids, types and data, none older than 7 days, whichever limit
/// is reached first. That bounds the file (a few hundred MiB at most, indexes and free pages
/// included) while letting a client that was away over a long weekend resume without a gap.
enum StoreOption: CustomStringConvertible {
    case memory
    case sqlite(path: String)
    case postgres(PostgresEventStore.Configuration, url: String)

    /// Reads a `--store` argument.
    ///
    /// - Throws: `ValidationError` saying what is wrong with it (for a PostgreSQL URL, the
    ///   store's own reason, such as an unknown `sslmode`).
    init(parsing argument: String) throws {
        if argument == "memory" {
            self = .memory
        } else if argument.hasPrefix("postgres://") || argument.hasPrefix("postgresql://") {
            do {
                self = .postgres(try PostgresEventStore.Configuration(url: argument), url: argument)
            } catch {
                throw ValidationError(String(describing: error))
            }
        } else if argument.hasPrefix("sqlite:"), argument.count > "sqlite:".count {
            self = .sqlite(path: String(argument.dropFirst("sqlite:".count)))
        } else {
            throw ValidationError("--store takes memory, sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB, not \(argument)")
        }
    }

    /// What `sqlite:PATH` keeps per channel: 100,000 events, 64 MiB, 7 days.
    static let sqliteRetention = Retention(maxEvents: 100_000, maxBytes: 64 << 20, maxAge: .seconds(7 * 86_400))

    /// The `--store` help: both choices and what each keeps.
    static let help = "Where history is kept: memory (the newest 1,000 events), sqlite:PATH (a file that survives "
        + "restarts, keeping per channel the newest 100,000 events, 64 MiB, 7 days) or "
        + "postgres://USER[:PASSWORD]@HOST[:PORT]/DB (a database that several sse serve nodes share, making them one "
        + "service; same limits as sqlite; add ?sslmode=verify-full for TLS that checks the server, with "
        + "&sslrootcert=FILE for a private authority)."

    var description: String {
        switch self {
        case .memory: "memory"
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(_, let url): url
        }
    }

    /// An opened store: what keeps history, what carries publications, and what must run.
    struct Opened {
        /// The channel's store.
        var store: any EventStore
        /// The server's broker.
        var broker: any EventBroker
        /// Services to run before the server (and stop after it).
        var services: [any Service]
        /// Returns once the services can serve (a PostgreSQL broker is listening); throws when they cannot.
        var ready: @Sendable () async throws -> Void = {}
        /// Closes the store once the services have stopped.
        var close: @Sendable () async throws -> Void
    }

    /// Opens the store.
    ///
    /// - Returns: The store, the broker that goes with it, the services they need, and what closes them.
    /// - Throws: When the SQLite file cannot be opened.
    func open() async throws -> Opened {
        switch self {
        case .memory:
            return Opened(store: RingRepository(), broker: LocalEventBroker(), services: [], close: {})
        case .sqlite(let path):
            let store = try await SQLiteRepository.open(path: path, retention: Self.sqliteRetention)
            return Opened(store: store, broker: LocalEventBroker(), services: [], close: { try await store.close() })
        case .postgres(let configuration, _):
            let store = PostgresEventStore(configuration: configuration)
            let broker = PostgresEventBroker(store: store)
            return Opened(store: store, broker: broker, services: [store, broker], ready: {
                try await store.waitUntilReady()
                await broker.waitUntilListening()
            }, close: {})
        }
    }
}
