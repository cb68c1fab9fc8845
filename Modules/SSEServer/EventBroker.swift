import SSEProtocol
import SSERepositories

/// One publication as a broker carries it: the encoded bytes and the channels they go to.
///
/// The bytes are already in the wire format (encoded once by the publishing server), so a
/// broker that spans several server nodes ships them unchanged.
public struct EventBrokerMessage: Sendable, Hashable {
    /// The channels whose subscribers receive the bytes.
    public var channels: [String]
    /// One encoded event or comment, in the Server-Sent Events wire format.
    public var bytes: [UInt8]
    /// The event's sequence in its channel's `EventStore`, when it was published through one
    /// (``channels`` then holds that one channel); lets a subscriber that is replaying drop live
    /// events its replay already holds.
    public var sequence: Int?

    /// Creates a message.
    ///
    /// - Parameters:
    ///   - channels: The channels whose subscribers receive the bytes.
    ///   - bytes: The encoded event or comment.
    ///   - sequence: The event's store sequence, if it was published through a store. Defaults to `nil`.
    public init(channels: [String], bytes: [UInt8], sequence: Int? = nil) {
        self.channels = channels
        self.bytes = bytes
        self.sequence = sequence
    }
}

/// Carries publications from publishers to the servers that deliver them: the seam where a
/// multi-node broker (for example over PostgreSQL `NOTIFY`) replaces in-process delivery.
///
/// Implementations must deliver every message to every attached receiver exactly once, and
/// the messages of one publisher in the order it published them. ``EventServer`` attaches
/// itself when it is created.
public protocol EventBroker: Sendable {
    /// Adds a receiver for every message published from now on, on any node.
    ///
    /// - Parameter receiver: Called once per message; must return quickly.
    func attach(_ receiver: @escaping @Sendable (EventBrokerMessage) -> Void)

    /// Publishes a message to every attached receiver.
    ///
    /// - Parameter message: The message.
    func publish(_ message: EventBrokerMessage)

    /// Whether the events appended to `store` already reach this broker's receivers on every
    /// node without ``publish(_:)``, because the store announces each append itself (as a
    /// PostgreSQL store's `NOTIFY` does at COMMIT). ``EventServer`` then publishes through such
    /// a store without handing the events to the broker again.
    ///
    /// - Parameter store: A store that a server publishes through.
    /// - Returns: `true` when the broker delivers the store's appends by itself; the default
    ///   implementation returns `false`.
    func carriesAppends(to store: any EventStore) -> Bool
}

extension EventBroker {
    /// Returns `false`: the server hands each stored event to ``EventBroker/publish(_:)``.
    ///
    /// - Parameter store: A store that a server publishes through.
    /// - Returns: `false`.
    public func carriesAppends(to store: any EventStore) -> Bool { false }
}

/// The default ``EventBroker``: delivers each message to this process's receivers before
/// ``publish(_:)`` returns.
public final class LocalEventBroker: EventBroker {
    private let receivers = LockedState<[@Sendable (EventBrokerMessage) -> Void]>([])

    /// Creates a broker with no receivers.
    public init() {}

    /// Adds a receiver.
    ///
    /// - Parameter receiver: Called for every later message, on the publisher's thread.
    public func attach(_ receiver: @escaping @Sendable (EventBrokerMessage) -> Void) {
        receivers.withLock { $0.append(receiver) }
    }

    /// Hands a message to every receiver, in the order they were attached.
    ///
    /// - Parameter message: The message.
    public func publish(_ message: EventBrokerMessage) {
        for receiver in receivers.withLock({ $0 }) { receiver(message) }
    }
}
