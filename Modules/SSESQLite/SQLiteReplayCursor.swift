import SQLiteNIO
import SSERepositories

/// One replay's position in its read transaction: the page being handed out, and where the
/// next one starts. Reads a page only when the previous one has been taken.
actor SQLiteReplayCursor {
    private let store: SQLiteRepository
    private let channel: String
    private let through: Int
    private let expiry: Int
    /// The connection holding the read transaction; `nil` once the last page is read.
    private var connection: SQLiteConnection?
    private var page: [StoredEvent]
    private var index = 0

    private init(
        store: SQLiteRepository, connection: SQLiteConnection?, channel: String, through: Int, expiry: Int,
        page: [StoredEvent]
    ) {
        self.store = store
        self.connection = connection
        self.channel = channel
        self.through = through
        self.expiry = expiry
        self.page = page
    }

    /// Reads the first page of events after `sequence` up to `through` that have not outlived
    /// `expiry`; when it is the last, ends the transaction and hands the connection back at once.
    static func start(
        store: SQLiteRepository, connection: SQLiteConnection, channel: String, after sequence: Int, through: Int,
        expiry: Int
    ) async throws -> SQLiteReplayCursor {
        let page = try await store.page(channel: channel, after: sequence, through: through, expiry: expiry, on: connection)
        let isLast = Self.isLast(page, pageSize: store.replayPageSize, through: through)
        if isLast { await store.endReplay(on: connection) }
        return SQLiteReplayCursor(
            store: store, connection: isLast ? nil : connection, channel: channel, through: through, expiry: expiry,
            page: page
        )
    }

    /// The next event, reading the next page when this one is used up; `nil` at the end.
    ///
    /// - Throws: `SQLiteError` when a page cannot be read; the transaction is ended then.
    func next() async throws -> StoredEvent? {
        if index == page.count {
            guard let connection, let last = page.last else { return nil }
            do {
                page = try await store.page(channel: channel, after: last.sequence, through: through, expiry: expiry, on: connection)
            } catch {
                self.connection = nil
                await store.endReplay(on: connection)
                throw error
            }
            index = 0
            if Self.isLast(page, pageSize: store.replayPageSize, through: through) {
                self.connection = nil
                await store.endReplay(on: connection)
            }
            if page.isEmpty { return nil }
        }
        defer { index += 1 }
        return page[index]
    }

    /// Whether no page can follow `page`: it is short, or reaches the replay's last sequence.
    private static func isLast(_ page: [StoredEvent], pageSize: Int, through: Int) -> Bool {
        page.count < pageSize || (page.last?.sequence ?? through) >= through
    }

    deinit {
        // Dropped before its end (the subscriber left): end the transaction in the background.
        guard let connection else { return }
        Task { [store] in await store.endReplay(on: connection) }
    }
}
