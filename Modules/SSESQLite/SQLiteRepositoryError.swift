import SQLiteNIO

/// Why an ``SQLiteRepository`` could not be opened, or could not replay because it was closed.
///
/// Compare with the static members to tell the cases apart
/// (`error == .corrupt`); ``path`` and ``reason`` say which file and what SQLite reported.
public struct SQLiteRepositoryError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case cannotOpen
        case corrupt
        case unwritable
        case closed
    }

    private let code: Code

    /// The database file concerned; empty in the static members used for comparison.
    public let path: String

    /// What SQLite reported; empty in the static members used for comparison.
    public let reason: String

    private init(_ code: Code, path: String = "", reason: String = "") {
        self.code = code
        self.path = path
        self.reason = reason
    }

    /// The file could not be opened or created: a missing directory, a path that is a
    /// directory, or no permission.
    public static let cannotOpen = SQLiteRepositoryError(.cannotOpen)

    /// The file is not an SQLite database, or its integrity check failed.
    public static let corrupt = SQLiteRepositoryError(.corrupt)

    /// The file opened but cannot be written, or cannot use write-ahead logging.
    public static let unwritable = SQLiteRepositoryError(.unwritable)

    /// The store was closed: a replay that starts (or waits for a connection) after
    /// ``SQLiteRepository/close()`` fails with this.
    public static let closed = SQLiteRepositoryError(.closed)

    /// Errors are equal when they are the same case, whatever their path and reason.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the case only, consistent with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A sentence naming the problem, the file and SQLite's reason.
    public var description: String {
        let problem = switch code {
        case .cannotOpen: "cannot open or create the event database"
        case .corrupt: "the event database is corrupt or not an SQLite database"
        case .unwritable: "the event database cannot be written"
        case .closed: "the event store is closed"
        }
        return code == .closed ? problem : "\(problem) at \(path): \(reason)"
    }

    /// Classifies an error SQLite raised while opening `path`.
    static func opening(_ path: String, _ error: any Error) -> SQLiteRepositoryError {
        guard let error = error as? SQLiteError else {
            return SQLiteRepositoryError(.cannotOpen, path: path, reason: "\(error)")
        }
        let code: Code = switch error.reason {
        case .corrupt, .notADatabase, .format: .corrupt
        case .readOnly, .permission, .full, .ioError: .unwritable
        default: .cannotOpen
        }
        return SQLiteRepositoryError(code, path: path, reason: error.message)
    }

    /// An integrity check of `path` that reported `problems`.
    static func corrupt(_ path: String, problems: String) -> SQLiteRepositoryError {
        SQLiteRepositoryError(.corrupt, path: path, reason: problems)
    }

    /// A file at `path` that SQLite opened but would not put in write-ahead-log mode.
    static func unwritable(_ path: String, reason: String) -> SQLiteRepositoryError {
        SQLiteRepositoryError(.unwritable, path: path, reason: reason)
    }
}
