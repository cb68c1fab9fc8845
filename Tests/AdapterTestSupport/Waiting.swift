import SSEClient
import SSEProtocol

/// A test helper's failure, with a sentence that says what did not happen.
public struct TestFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// Creates a failure.
    public init(_ description: String) { self.description = description }
}

/// Waits, yielding, until `condition` holds; fails after ten seconds.
public func eventually(_ what: String, within limit: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for \(what)") }
        await Task.yield()
    }
}

/// The next `count` events of a stream (the suites' time limit bounds the wait).
public func nextEvents(_ count: Int, from source: EventSource) async -> [MessageEvent] {
    var received: [MessageEvent] = []
    for await event in source.events {
        received.append(event)
        if received.count == count { break }
    }
    return received
}
