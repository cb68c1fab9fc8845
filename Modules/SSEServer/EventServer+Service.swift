import ServiceLifecycle

extension EventServer: Service {
    /// Runs until graceful shutdown or cancellation, then closes the server, ending every
    /// stream (with a `retry:` hint when ``Configuration/shutdownReconnectWindow`` is set), and
    /// returns once every stream has sent its queued events and hint, or was closed at
    /// ``Configuration/shutdownDeadline``.
    ///
    /// Put the server in a `ServiceGroup` so that endless streams cannot hold up shutdown.
    /// Also returns, the same way, when ``close(reconnectWindow:)`` is called directly.
    public func run() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await self.waitUntilClosed()
        } onCancelOrGracefulShutdown: {
            self.close(reconnectWindow: self.configuration.shutdownReconnectWindow)
        }
    }
}
