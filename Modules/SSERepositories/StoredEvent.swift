#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol

/// An event as an ``EventStore`` keeps it: the published fields, plus the id the store assigned
/// when the publisher gave none, the store's sequence number and the time it was appended.
///
/// Replays from an ``EventStore`` yield values of this type, so a server can compare a replayed
/// event's ``sequence`` with live ones and hand over from replay to live delivery without gap
/// or duplicate.
public struct StoredEvent: ServerSentEvent, Hashable {
    /// The event's id: the publisher's, or the one the store assigned. Never empty.
    public var id: String

    /// The event type; empty for none.
    public var event: String

    /// The payload.
    public var data: String

    /// The event's position in its channel: positive, and greater than that of every event
    /// appended to the channel before it.
    public var sequence: Int

    /// When the store appended the event.
    public var time: Date

    /// Creates a stored event.
    ///
    /// - Parameters:
    ///   - id: The event's id.
    ///   - event: The event type; empty for none.
    ///   - data: The payload.
    ///   - sequence: The event's position in its channel.
    ///   - time: When the event was appended.
    public init(id: String, event: String, data: String, sequence: Int, time: Date) {
        self.id = id
        self.event = event
        self.data = data
        self.sequence = sequence
        self.time = time
    }

    /// The bytes this event counts against a ``Retention/maxBytes`` limit: the UTF-8 length of
    /// its id, type and data.
    public var size: Int { id.utf8.count + event.utf8.count + data.utf8.count }
}
