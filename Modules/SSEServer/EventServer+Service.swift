import ServiceLifecycle

extension EventServer: Service {
    /// Runs until graceful shutdown or cancellation, then closes the server, ending every
    /// stream (with a `retry:` hint when ``Configuration/shutdownReconnectWindow`` is set).
    ///
    /// Put the server in a `ServiceGroup` so that endless streams cannot hold up shutdown.
    /// Also returns when ``close(reconnectWindow:)`` is called directly.
    public func run() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await self.waitUntilClosed()
        } onCancelOrGracefulShutdown: {
            self.close(reconnectWindow: self.configuration.shutdownReconnectWindow)
        }
    }
}
