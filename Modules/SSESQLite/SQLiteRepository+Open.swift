#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SQLiteNIO
import SSERepositories

extension SQLiteRepository {
    /// How hard a commit works to reach the disk: SQLite's `synchronous` setting.
    ///
    /// In write-ahead-log mode, ``full`` syncs the log at every commit, so a committed append
    /// survives power loss and operating-system crashes; ``normal`` syncs only at checkpoints,
    /// so a committed append survives a crash of the process but the newest ones can be lost
    /// with the machine. ``full`` is the default because an append that returned is a promise
    /// to the publisher (it will not retry), and only ``full`` keeps it whatever crashes.
    ///
    /// The price is one disk sync per append: `sse-bench stores` measured 700 to 1,100 appends/s
    /// with ``full`` against 1,700 to 4,500 with ``normal`` (one publisher on a busy 2-core VM
    /// with an ext4 virtual disk: ``full`` reaches 20 to 50 % of ``normal``). Replay speed does
    /// not depend on it.
    public struct Durability: Sendable, Hashable {
        let pragma: String

        /// `synchronous = FULL`: no committed append is lost, even on power loss. The default.
        public static let full = Durability(pragma: "FULL")

        /// `synchronous = NORMAL`: committed appends survive a process crash, not power loss.
        public static let normal = Durability(pragma: "NORMAL")
    }

    /// Opens (creating if needed) the event database at `path`, checks it, and prepares its schema.
    ///
    /// - Parameters:
    ///   - path: The database file; prefer an absolute path. Its `-wal` and `-shm` companions are
    ///     created beside it.
    ///   - retention: What each channel keeps. Defaults to everything.
    ///   - durability: When a commit reaches the disk. Defaults to ``Durability/full``.
    ///   - busyTimeout: How long a statement waits for a lock another connection holds (another
    ///     process's append, mostly) before failing with `SQLITE_BUSY`. Defaults to 5 seconds:
    ///     far longer than an append holds the lock (one disk sync), short enough that a stuck
    ///     writer surfaces as an error instead of a hung publisher.
    ///   - replayPageSize: The most events a replay reads from the database at once, and so
    ///     holds in memory. Defaults to 256: one page then costs about as much as the 32 KiB
    ///     batch a server writes, and a reconnect that missed a few events reads them in one query.
    ///   - maxReaders: The most replays reading the database at once, each on a read-only
    ///     connection of its own (three file descriptors); further replays wait for one to
    ///     finish. A replay longer than one page keeps its connection until its subscriber has
    ///     read it. Defaults to 16.
    ///   - now: The clock that stamps appended events and ages them; defaults to the system time.
    /// - Returns: The open store.
    /// - Throws: ``SQLiteRepositoryError`` when the file cannot be opened, created or written, or
    ///   is corrupt.
    public static func open(
        path: String,
        retention: Retention = .unlimited,
        durability: Durability = .full,
        busyTimeout: Duration = .seconds(5),
        replayPageSize: Int = 256,
        maxReaders: Int = 16,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> SQLiteRepository {
        precondition(replayPageSize > 0, "replayPageSize must be positive")
        precondition(maxReaders > 0, "maxReaders must be positive")
        precondition(busyTimeout >= .zero, "busyTimeout must not be negative")
        let busyMilliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        // The writer waits for other writers in `beginWriting()`, asleep rather than on a thread.
        let writer = try await connect(path, busyMilliseconds: 0)
        do {
            try await prepareWriter(writer, path: path, durability: durability)
        } catch {
            try? await writer.close()
            throw error as? SQLiteRepositoryError ?? .opening(path, error)
        }
        let readers = SQLiteReaderPool(limit: maxReaders) {
            let reader = try await connect(path, busyMilliseconds: busyMilliseconds)
            do {
                _ = try await reader.rows("PRAGMA query_only = 1")
                return reader
            } catch {
                try? await reader.close()
                throw SQLiteRepositoryError.opening(path, error)
            }
        }
        do {
            // One reader now, so that a file replays cannot read fails here.
            readers.release(try await readers.acquire())
        } catch {
            try? await writer.close()
            throw error
        }
        return SQLiteRepository(
            path: path, retention: retention, busyTimeout: busyTimeout, replayPageSize: replayPageSize,
            writer: writer, readers: readers, now: now
        )
    }

    /// Opens a connection that waits up to `busyMilliseconds` for another connection's lock.
    ///
    /// SQLiteNIO installs a busy handler that retries at once and forever, which spins a thread
    /// while another process holds the lock; `busy_timeout` replaces it with SQLite's own, which
    /// gives up after the timeout. SQLiteNIO's SQLite is built without `usleep`, so that handler
    /// sleeps whole seconds between tries: the writer sets 0 (fail at once) and retries
    /// `BEGIN IMMEDIATE` itself with short sleeps; readers, which in WAL mode meet a lock only
    /// while a file is being recovered, keep SQLite's handler.
    private static func connect(_ path: String, busyMilliseconds: Int64) async throws -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path))
        } catch {
            throw SQLiteRepositoryError.opening(path, error)
        }
        do {
            _ = try await connection.rows("PRAGMA busy_timeout = \(busyMilliseconds)")
            return connection
        } catch {
            try? await connection.close()
            throw SQLiteRepositoryError.opening(path, error)
        }
    }

    /// Turns on the write-ahead log, checks integrity and creates the schema, writing to the file
    /// so that a read-only one fails now rather than at the first append.
    private static func prepareWriter(_ writer: SQLiteConnection, path: String, durability: Durability) async throws {
        let mode = try await writer.rows("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
        guard mode?.lowercased() == "wal" else {
            throw SQLiteRepositoryError.unwritable(path, reason: "journal_mode is \(mode ?? "unknown"), not wal")
        }
        _ = try await writer.rows("PRAGMA synchronous = \(durability.pragma)")
        let check = try await writer.rows("PRAGMA quick_check").compactMap { $0.columns.first?.data.string }
        guard check == ["ok"] else {
            throw SQLiteRepositoryError.corrupt(path, problems: check.joined(separator: "; "))
        }
        for statement in schema {
            _ = try await writer.rows(statement)
        }
    }

    /// The tables, oldest-first indexes and the schema version (written every open, as a probe).
    private static let schema = [
        """
        CREATE TABLE IF NOT EXISTS sse_events (
            channel TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            time INTEGER NOT NULL,
            size INTEGER NOT NULL,
            PRIMARY KEY (channel, sequence),
            UNIQUE (channel, id)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS sse_channels (
            channel TEXT PRIMARY KEY,
            last_sequence INTEGER NOT NULL,
            count INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            trimmed_sequence INTEGER NOT NULL DEFAULT 0,
            trimmed_id TEXT
        ) WITHOUT ROWID
        """,
        "PRAGMA user_version = 1",
    ]
}
