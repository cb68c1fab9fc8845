import SSETransport

/// What an authorization hook sees of a subscription: the channel and the HTTP request.
public struct SubscriptionRequest: Sendable {
    /// The channel the request subscribes to.
    public var channel: String
    /// The request, for example to read its `Authorization` header.
    public var request: HTTPServerRequest

    /// Creates a subscription request.
    ///
    /// - Parameters:
    ///   - channel: The channel.
    ///   - request: The HTTP request.
    public init(channel: String, request: HTTPServerRequest) {
        self.channel = channel
        self.request = request
    }
}

/// An authorization hook's answer to a ``SubscriptionRequest``.
public struct SubscriptionDecision: Sendable, Hashable {
    /// The status to refuse with, or `nil` to allow.
    public let refusalStatus: Int?

    /// The subscription may proceed.
    public static let allow = SubscriptionDecision(refusalStatus: nil)

    /// The subscription is refused with an HTTP status, for example `401` or `403`.
    ///
    /// - Parameter status: The status code to answer with.
    /// - Returns: The decision.
    public static func deny(status: Int) -> SubscriptionDecision {
        SubscriptionDecision(refusalStatus: status)
    }
}
