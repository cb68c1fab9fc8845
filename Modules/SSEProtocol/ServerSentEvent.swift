/// A value that can be sent as one Server-Sent Event.
///
/// This is the Swift form of Go's `eventsource.Event` interface. Adopt it on your own types
/// to publish them directly:
///
/// ```swift
/// struct Tick: ServerSentEvent {
///     var id: String { "42" }
///     var event: String { "tick" }
///     var data: String { "hello" }
/// }
/// ```
///
/// Implementations must be `Sendable`: a server hands the same event to every subscriber.
public protocol ServerSentEvent: Sendable {
    /// The event's identifier, sent as the `id:` field; the empty string sends no `id:` line.
    ///
    /// A client that reconnects sends the last identifier it saw as `Last-Event-ID`, so a
    /// server with a repository can replay what the client missed.
    var id: String { get }

    /// The event's type, sent as the `event:` field; the empty string sends no `event:` line
    /// (a browser then reports the type `"message"`).
    var event: String { get }

    /// The payload, sent as one `data:` line per line of text.
    var data: String { get }
}
