import SSEProtocol
import SSETransport

/// A `ClientTransport` test double: answers every request with a closure you supply and
/// records the requests it was sent.
///
/// ```swift
/// let transport = ScriptedTransport { request in
///     ClientResponse(status: 200, headers: ["Content-Type": "text/event-stream"],
///                    body: ClientResponseBody(chunks: [Array("data: hi\n\n".utf8)]))
/// }
/// ```
public final class ScriptedTransport: ClientTransport {
    private let respond: @Sendable (ClientRequest) async throws -> ClientResponse
    private let recorded = LockedState<[ClientRequest]>([])

    /// Creates a transport that answers with `respond`.
    ///
    /// - Parameter respond: Called for each request, in order; whatever it throws, ``send(_:)`` throws.
    public init(_ respond: @escaping @Sendable (ClientRequest) async throws -> ClientResponse) {
        self.respond = respond
    }

    /// Every request sent so far, oldest first.
    public var requests: [ClientRequest] {
        recorded.withLock { $0 }
    }

    /// Records the request and answers it with the closure.
    ///
    /// - Parameter request: The request.
    /// - Returns: What the closure returns.
    /// - Throws: What the closure throws.
    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        recorded.withLock { $0.append(request) }
        return try await respond(request)
    }
}
