import Foundation
import SSEServer
import SSETransport

extension EventServer {
    /// Subscribes a ``RecordingResponder`` to a channel, as a `GET` would; returns once the
    /// stream is live (after any replay).
    func subscribeRecorder(
        to channel: String = "time",
        headers: HTTPHeaderFields = [:],
        onWrite: (@Sendable () -> Void)? = nil
    ) async -> RecordingResponder {
        let responder = RecordingResponder(onWrite: onWrite)
        let request = HTTPServerRequest(method: "GET", uri: "/" + channel, headers: headers)
        await handler(channel: channel).handle(request, responder: responder)
        return responder
    }

    /// Whether another thread can take the server's locks (its state lock, and the fan-out
    /// lock, by publishing to a channel nobody reads) within two seconds, that is, whether the
    /// calling thread holds neither.
    func lockIsFree() -> Bool {
        let taken = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = self.subscriberCount(channel: "probe")
            try? self.publishComment("probe", to: ["probe"])
            taken.signal()
        }
        return taken.wait(timeout: .now() + .seconds(2)) == .success
    }
}
