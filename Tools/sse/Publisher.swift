import SSEProtocol
import SSERepositories
import SSEServer

/// Stores events and then publishes them, one at a time, so that subscribers see events live in
/// the order the store keeps them (and replays after a reconnection agree with what they saw).
actor Publisher {
    private let server: EventServer
    private let store: any EventStore
    private let channel: String
    private var tail: Task<Void, Never>?
    private var seenTypes: Set<String> = []

    /// Creates a publisher for one channel.
    ///
    /// - Parameters:
    ///   - server: The server that streams the channel.
    ///   - store: The store that keeps its history.
    ///   - channel: The channel.
    init(server: EventServer, store: any EventStore, channel: String) {
        self.server = server
        self.store = store
        self.channel = channel
    }

    /// The named event types published so far, sorted; a page listens for these.
    var eventTypes: [String] { seenTypes.sorted() }

    /// Stores an event (the store assigns an id when it has none) and publishes it unless the
    /// channel already held its id.
    ///
    /// - Parameter event: The event.
    /// - Returns: The event as stored.
    /// - Throws: When the store fails or the event cannot be encoded; nothing was published.
    @discardableResult
    func publish(_ event: MessageEvent) async throws -> AppendResult {
        if !event.event.isEmpty { seenTypes.insert(event.event) }
        let (server, store, channel) = (server, store, channel)
        return try await inTurn {
            let result = try await store.append(event, to: channel)
            if !result.isDuplicate { try server.publish(result.event, to: [channel]) }
            return result
        }
    }

    /// Publishes a comment line, in order with events; comments are not stored.
    ///
    /// - Parameter text: The comment.
    /// - Throws: When the text contains CR or LF.
    func publishComment(_ text: String) async throws {
        let (server, channel) = (server, channel)
        try await inTurn { try server.publishComment(text, to: [channel]) }
    }

    /// Runs `work` after every earlier call's work has finished.
    private func inTurn<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return try await work()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
