import SSEProtocol
import SSERepositories
import SSEServer

/// Publishes `sse serve`'s events through the channel's store, and remembers the event types
/// seen so that the live page can listen for them.
actor Publisher {
    private let server: EventServer
    private let store: any EventStore
    private let channel: String
    private var seenTypes: Set<String> = []

    /// Creates a publisher for one channel.
    ///
    /// - Parameters:
    ///   - server: The server that streams the channel.
    ///   - store: The store that keeps its history (also registered on the server for replay).
    ///   - channel: The channel.
    init(server: EventServer, store: any EventStore, channel: String) {
        self.server = server
        self.store = store
        self.channel = channel
    }

    /// The named event types published so far, sorted.
    var eventTypes: [String] { seenTypes.sorted() }

    /// Stores an event (the store assigns an id when it has none) and delivers it unless the
    /// channel already held its id.
    ///
    /// - Parameter event: The event.
    /// - Returns: What the store did with it.
    /// - Throws: When the event cannot be encoded or the store fails; nothing was delivered.
    @discardableResult
    func publish(_ event: MessageEvent) async throws -> AppendResult {
        if !event.event.isEmpty { seenTypes.insert(event.event) }
        return try await server.publish(event, to: channel, storingIn: store)
    }

    /// Publishes a comment line; comments are not stored.
    ///
    /// - Parameter text: The comment.
    /// - Throws: When the text contains CR or LF.
    func publishComment(_ text: String) throws {
        try server.publishComment(text, to: [channel])
    }
}
