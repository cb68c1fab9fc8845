import ArgumentParser
import SSERepositories
import SSESQLite

/// The `--store` of `sse serve`: `memory` (a bounded ring) or `sqlite:PATH` (a durable file).
///
/// Both are bounded per channel. The SQLite file keeps ``sqliteRetention``: the newest 100,000
/// events, at most 64 MiB of event ids, types and data, none older than 7 days, whichever limit
/// is reached first. That bounds the file (a few hundred MiB at most, indexes and free pages
/// included) while letting a client that was away over a long weekend resume without a gap.
enum StoreOption: ExpressibleByArgument, CustomStringConvertible {
    case memory
    case sqlite(path: String)

    init?(argument: String) {
        if argument == "memory" {
            self = .memory
        } else if argument.hasPrefix("sqlite:"), argument.count > "sqlite:".count {
            self = .sqlite(path: String(argument.dropFirst("sqlite:".count)))
        } else {
            return nil
        }
    }

    /// What `sqlite:PATH` keeps per channel: 100,000 events, 64 MiB, 7 days.
    static let sqliteRetention = Retention(maxEvents: 100_000, maxBytes: 64 << 20, maxAge: .seconds(7 * 86_400))

    /// The `--store` help: both choices and what each keeps.
    static let help = "Where history is kept: memory (the newest 1,000 events) or sqlite:PATH (a file that survives "
        + "restarts, keeping per channel the newest 100,000 events, 64 MiB, 7 days)."

    var description: String {
        switch self {
        case .memory: "memory"
        case .sqlite(let path): "sqlite:\(path)"
        }
    }

    /// Opens the store.
    ///
    /// - Returns: The store, and what closes it.
    /// - Throws: When the SQLite file cannot be opened.
    func open() async throws -> (any EventStore, close: @Sendable () async throws -> Void) {
        switch self {
        case .memory:
            return (RingRepository(), {})
        case .sqlite(let path):
            let store = try await SQLiteRepository.open(path: path, retention: Self.sqliteRetention)
            return (store, { try await store.close() })
        }
    }
}
