/// An error from ``PostgresEventStore`` or ``PostgresEventBroker``.
public struct PostgresStoreError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case invalidURL
        case schemaVersion
        case notificationTooLarge
        case closed
        case noResult
        case invalidConfiguration
    }

    private let code: Code

    /// What went wrong, in a sentence.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A store URL that is not `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
    ///
    /// - Parameter url: The URL as given.
    public static func invalidURL(_ url: String) -> Self {
        Self(.invalidURL, "\(url) is not a PostgreSQL URL of the form postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
    }

    /// A store URL whose form is right but whose parameters are not: an unknown parameter, an
    /// unknown `sslmode`, or a root certificate file that cannot be read. Equal to
    /// ``invalidURL(_:)`` errors (one code), with the reason in its description.
    ///
    /// - Parameters:
    ///   - url: The URL as given.
    ///   - reason: What is wrong with it.
    public static func invalidURL(_ url: String, reason: String) -> Self {
        Self(.invalidURL, "\(url) is not a usable PostgreSQL URL: \(reason)")
    }

    /// The database holds tables of a schema version this library does not know.
    ///
    /// - Parameters:
    ///   - found: The version the database records.
    ///   - expected: The version this library writes.
    public static func schemaVersion(found: Int, expected: Int) -> Self {
        Self(.schemaVersion, "The database's event tables have schema version \(found); this library uses version \(expected)")
    }

    /// A publication not appended through a store is too large for one `NOTIFY` payload.
    ///
    /// - Parameters:
    ///   - size: The payload's size in bytes.
    ///   - limit: The largest payload PostgreSQL accepts.
    public static func notificationTooLarge(size: Int, limit: Int) -> Self {
        Self(
            .notificationTooLarge,
            "A \(size)-byte publication does not fit in a NOTIFY payload (at most \(limit) bytes); publish it through the PostgresEventStore, which has no such limit"
        )
    }

    /// A ``PostgresEventStore/Configuration`` bound that cannot work; ``PostgresEventStore/run()``
    /// throws it before connecting.
    ///
    /// - Parameter reason: Which setting, and why.
    public static func invalidConfiguration(_ reason: String) -> Self {
        Self(.invalidConfiguration, "Invalid PostgresEventStore configuration: \(reason)")
    }

    /// The store's or broker's service has stopped.
    public static let closed = Self(.closed, "The PostgreSQL store or broker has stopped")

    /// The database answered an append with no row, or a row for no event of its batch (the store's function was changed).
    static let noResult = Self(.noResult, "The database answered an append with no row for an event; is sse_append_batch the one this library installs?")

    /// The message.
    public var description: String { message }

    /// Whether two errors are of the same kind (their messages may differ).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the kind of error.
    ///
    /// - Parameter hasher: The hasher.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
