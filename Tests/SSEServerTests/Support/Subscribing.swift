import Foundation
import SSEProtocol
import SSEServer
import SSETesting
import SSETransport

extension EventServer {
    /// Sends a request to a channel through a `RecordingResponder`, without a socket, and returns
    /// the responder once the handler has returned: for a `GET`, once the stream is live (after
    /// any replay).
    func subscribeRecorder(
        to channel: String = "time",
        method: String = "GET",
        headers: HTTPHeaderFields = [:],
        onWrite: (@Sendable () -> Void)? = nil
    ) async -> RecordingResponder {
        let responder = RecordingResponder(onWrite: onWrite)
        let request = HTTPServerRequest(method: method, uri: "/" + channel, headers: headers)
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

extension RecordingResponder {
    /// The body decoded, comments and retry hints included.
    var outputs: [EventStreamDecoder.Output] { recording.body.decodedOutputs() }

    /// The ids of the events in the body.
    var eventIDs: [String] {
        outputs.compactMap { output in
            if case .event(let event) = output { return event.id }
            return nil
        }
    }
}
