#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSETestSupport
import SSEClient
import SSEProtocol

extension ScriptedServer {
    /// The URL of a path on this server.
    func url(_ path: String = "/stream") -> URL {
        URL(string: baseURL + path)!
    }

    /// Waits for the next request.
    func nextRequest() async throws -> RecordedRequest {
        var iterator = requests.makeAsyncIterator()
        guard let request = await iterator.next() else { throw CancellationError() }
        return request
    }
}

extension EventSource.Configuration {
    /// A configuration on a test clock.
    static func testing(_ clock: TestClock, _ adjust: (inout EventSource.Configuration) -> Void = { _ in }) -> Self {
        var configuration = EventSource.Configuration()
        configuration.clock = clock
        adjust(&configuration)
        return configuration
    }
}

extension EventSource {
    /// The next event, or a failure when the stream ended.
    func nextEvent() async throws -> MessageEvent {
        var iterator = events.makeAsyncIterator()
        guard let event = await iterator.next() else { throw StreamClosed() }
        return event
    }

    /// The next error, or a failure when the stream ended.
    func nextError() async throws -> EventSourceError {
        var iterator = errors.makeAsyncIterator()
        guard let error = await iterator.next() else { throw StreamClosed() }
        return error
    }
}

struct StreamClosed: Error {}

/// An SSE body: events separated by blank lines.
func sse(_ blocks: String...) -> String {
    blocks.map { $0 + "\n\n" }.joined()
}

/// Collects values from any task.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = LockedState<[Value]>([])

    func append(_ value: Value) {
        storage.withLock { $0.append(value) }
    }

    var values: [Value] { storage.withLock { $0 } }
}
