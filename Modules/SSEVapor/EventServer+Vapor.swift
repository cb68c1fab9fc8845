import SSEServer

extension EventServer.Configuration {
    /// The heartbeat interval of ``vapor``: 15 seconds, short enough that a client that left
    /// (which Vapor notices only when a write fails) is unsubscribed within 30 seconds, and long
    /// enough to cost nothing.
    public static let vaporHeartbeatInterval = Duration.seconds(15)

    /// The defaults for streams served by Vapor: every default of
    /// `EventServer.Configuration()`, plus a heartbeat every ``vaporHeartbeatInterval`` (a
    /// stream silent for one interval gets a comment), so a departed client is unsubscribed
    /// within two intervals.
    public static var vapor: EventServer.Configuration {
        EventServer.Configuration(heartbeatInterval: vaporHeartbeatInterval)
    }
}
