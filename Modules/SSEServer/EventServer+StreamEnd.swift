import SSETransport

extension EventServer {
    /// Ends one stream the way ``close(reconnectWindow:)`` ends them all, leaving the server
    /// open: after the events queued for it, with a `retry:` hint of a random delay up to
    /// ``Configuration/shutdownReconnectWindow`` (when set), and its connection closed if that is
    /// not sent within ``Configuration/shutdownDeadline``.
    ///
    /// For HTTP stacks whose request tasks hear graceful shutdown themselves (Hummingbird): each
    /// stream ends itself, so the stack's wait for open connections ends, whether or not the
    /// server is a service of the same group (a service must not return before it is told to).
    /// Does nothing when no stream of `channel` writes through `responder` (yet, or any more).
    /// Looks through the channel's subscribers: O(subscribers of the channel).
    ///
    /// - Parameters:
    ///   - responder: The responder the stream writes through.
    ///   - channel: The stream's channel.
    public func endStream(writtenBy responder: any HTTPServerResponder, channel: String) {
        let target = responder as AnyObject
        let subscriber = state.withLock { state in
            state.channels[channel]?.items.first { ($0.responder as AnyObject) === target }
        }
        guard let subscriber else { return }
        let retry = configuration.shutdownReconnectWindow.map { window in
            encoder.encodeRetry(.milliseconds(Int64.random(in: 1...max(window, Self.minimumReconnectWindow).wholeMilliseconds)))
        }
        subscriber.end(lastChunk: retry, deadline: configuration.shutdownDeadline)
    }
}
