import ArgumentParser
import SSERepositories
import SSESQLite

/// The `--store` of `sse serve`: `memory` (a bounded ring) or `sqlite:PATH` (a durable file).
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
            let store = try await SQLiteRepository.open(path: path)
            return (store, { try await store.close() })
        }
    }
}
