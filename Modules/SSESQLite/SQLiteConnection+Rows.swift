import SSEProtocol
import SQLiteNIO

extension SQLiteConnection {
    /// Runs one statement and returns its rows.
    ///
    /// SQLiteNIO's own row-returning `query` appends to an unguarded variable on its thread pool
    /// and reads it on the caller's task, which ThreadSanitizer reports as a race; collecting the
    /// rows under a lock it understands keeps the store's TSan runs clean.
    ///
    /// - Parameters:
    ///   - sql: The statement.
    ///   - binds: Its parameters.
    /// - Returns: Every row the statement produced, in order.
    /// - Throws: `SQLiteError` when the statement fails.
    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let rows = LockedState<[SQLiteRow]>([])
        try await query(sql, binds) { row in rows.withLock { $0.append(row) } }
        return rows.withLock { $0 }
    }
}
