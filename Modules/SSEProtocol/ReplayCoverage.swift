/// How well a server's replay covers the events a resuming subscriber missed.
///
/// The Server-Sent Events format cannot tell a client that its `Last-Event-ID` is too old, so a
/// server that replays history reports this value in the ``headerName`` response header
/// (`SSE-Replay: complete`), and a client exposes it so that an application knows when to
/// refetch its state. The raw values are the header's values.
public enum ReplayCoverage: String, Sendable, Hashable, CaseIterable {
    /// Every event after the subscriber's last event ID is in the replay.
    case complete
    /// The last event ID is known, but some events after it are gone (retention trimmed them).
    case partial
    /// The last event ID is unknown or older than anything kept: the replay cannot resume, and
    /// the subscriber should rebuild its state (the replay holds whatever history is kept).
    case reset

    /// The response header that carries the coverage: `SSE-Replay`.
    public static let headerName = "SSE-Replay"
}
