/// Which failures an ``EventSource`` reconnects after, and for how long it keeps trying.
///
/// ```swift
/// configuration.reconnect = .always                                   // Go: retry everything
/// configuration.reconnect = .transientFailures.limited(attempts: 5)   // 5xx, 408, 429, network
/// configuration.reconnect = .transientFailures.stoppingAfterEnd()     // one-shot POST streams
/// ```
///
/// Whatever the policy, HTTP 204 closes the stream, ``EventSource/restart()`` reconnects, and
/// ``EventSource/close()`` stops.
public struct ReconnectPolicy: Sendable {
    /// Whether a response with this status (other than 200 and 204) is retried.
    public var retriesStatus: @Sendable (Int) -> Bool

    /// Whether a 200 response with the wrong content type, or a bad redirect, is retried.
    public var retriesInvalidResponses: Bool

    /// Whether the stream reconnects after the server ends it cleanly, between events.
    public var reconnectsAfterEnd: Bool

    /// Whether a `Retry-After` header (in seconds) lengthens the delay after an error response.
    public var honoursRetryAfter: Bool

    /// The most reconnection attempts in a row without a good connection, or `nil` for no limit.
    public var maximumAttempts: Int?

    /// The longest time spent reconnecting since the last good connection, or `nil` for no limit.
    public var maximumDuration: Duration?

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - retriesStatus: Whether a response status is retried.
    ///   - retriesInvalidResponses: Whether wrong content types and bad redirects are retried.
    ///   - reconnectsAfterEnd: Whether a clean end is followed by a reconnection.
    ///   - honoursRetryAfter: Whether `Retry-After` lengthens the delay.
    ///   - maximumAttempts: The cap on consecutive attempts, or `nil`.
    ///   - maximumDuration: The cap on time spent reconnecting, or `nil`.
    public init(
        retriesStatus: @escaping @Sendable (Int) -> Bool,
        retriesInvalidResponses: Bool,
        reconnectsAfterEnd: Bool = true,
        honoursRetryAfter: Bool = true,
        maximumAttempts: Int? = nil,
        maximumDuration: Duration? = nil
    ) {
        self.retriesStatus = retriesStatus
        self.retriesInvalidResponses = retriesInvalidResponses
        self.reconnectsAfterEnd = reconnectsAfterEnd
        self.honoursRetryAfter = honoursRetryAfter
        self.maximumAttempts = maximumAttempts
        self.maximumDuration = maximumDuration
    }

    /// Go's behaviour: reconnect after every failure, whatever the status, forever, ignoring
    /// `Retry-After`. The default.
    public static var always: ReconnectPolicy {
        ReconnectPolicy(retriesStatus: { _ in true }, retriesInvalidResponses: true, honoursRetryAfter: false)
    }

    /// Reconnect after network failures, read timeouts, ends of stream and the statuses that
    /// say "try later" (5xx, 408, 429), honouring `Retry-After`; stop after other statuses
    /// (401, 403, 404, ...), wrong content types and bad redirects.
    public static var transientFailures: ReconnectPolicy {
        ReconnectPolicy(
            retriesStatus: { $0 >= 500 || $0 == 408 || $0 == 429 },
            retriesInvalidResponses: false
        )
    }

    /// Returns this policy with caps on consecutive attempts and on time spent reconnecting.
    ///
    /// - Parameters:
    ///   - attempts: The most attempts in a row without a good connection, or `nil`.
    ///   - duration: The longest time reconnecting since the last good connection, or `nil`.
    /// - Returns: The capped policy.
    public func limited(attempts: Int? = nil, duration: Duration? = nil) -> ReconnectPolicy {
        var policy = self
        policy.maximumAttempts = attempts
        policy.maximumDuration = duration
        return policy
    }

    /// Returns this policy without reconnection after a clean end of stream, for one-shot
    /// streams (a language model's answer to a POST).
    ///
    /// - Returns: The policy.
    public func stoppingAfterEnd() -> ReconnectPolicy {
        var policy = self
        policy.reconnectsAfterEnd = false
        return policy
    }
}

/// Whether an ``EventSource`` retries its first connection (Go: `StreamOptionCanRetryFirstConnection`).
public struct FirstConnectionRetry: Sendable, Hashable {
    enum Mode: Hashable {
        case disabled
        case timeout(Duration)
        case forever
    }

    let mode: Mode

    /// A failed first connection makes subscribing throw (Go: a zero timeout). The default.
    public static let disabled = FirstConnectionRetry(mode: .disabled)

    /// The first connection is retried like any other until it succeeds (Go: a negative timeout).
    public static let forever = FirstConnectionRetry(mode: .forever)

    /// The first connection is retried until the timeout elapses; then subscribing throws the
    /// last error (Go: a positive timeout).
    ///
    /// - Parameter timeout: How long subscribing may keep trying; zero or less means ``disabled``.
    /// - Returns: The setting.
    public static func timeout(_ timeout: Duration) -> FirstConnectionRetry {
        timeout > .zero ? FirstConnectionRetry(mode: .timeout(timeout)) : .disabled
    }
}
