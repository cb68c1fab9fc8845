/// Decides, after each failure, whether and when an ``EventSource`` reconnects.
///
/// A plain value with no I/O and no clock of its own: the stream passes in the elapsed time at
/// each event (measured on its configured clock) and acts on the returned ``Action``.
struct ReconnectStateMachine: Sendable {
    /// Why a connection attempt or connection ended.
    enum Failure: Sendable {
        /// An error, reported to the user.
        case error(EventSourceError)
        /// ``EventSource/restart()``: reconnect after the normal delay, report nothing.
        case restart
    }

    /// What the stream does next.
    enum Action: Sendable, Equatable {
        /// Wait this long, then connect again.
        case reconnect(after: Duration)
        /// Close the stream (or, before the first connection, make subscribing throw).
        case stop
    }

    private let retry: RetryConfiguration
    private let policy: ReconnectPolicy
    private let firstConnection: FirstConnectionRetry
    private var baseDelay: Duration
    private var retryCount = 0
    private var goodSince: Duration?
    private var failingSince: Duration?
    private var attemptsSinceGood = 0

    /// Whether a connection has ever been established.
    private(set) var hasConnected = false

    /// Creates a machine for a stream subscribed at elapsed time zero.
    init(retry: RetryConfiguration, policy: ReconnectPolicy, firstConnection: FirstConnectionRetry) {
        self.retry = retry
        self.policy = policy
        self.firstConnection = firstConnection
        self.baseDelay = retry.initialDelay
    }

    /// A connection was established (status 200, right content type).
    mutating func connected(at now: Duration) {
        hasConnected = true
        goodSince = now
        failingSince = nil
        attemptsSinceGood = 0
    }

    /// The server sent `retry:`: it becomes the base delay, raised to the configured minimum, and
    /// the backoff starts over (Go: `SetBaseDelay`). Zero or less is ignored, as Go does.
    mutating func serverRequestedRetry(_ delay: Duration) {
        guard delay > .zero else { return }
        baseDelay = max(delay, retry.minimumServerDelay)
        retryCount = 0
    }

    /// The connection or the attempt failed at `now`.
    mutating func failed(_ failure: Failure, at now: Duration) -> Action {
        if case .error(let error) = failure, !retries(error) { return .stop }
        if let goodSince, now - goodSince >= retry.resetInterval { retryCount = 0 }
        goodSince = nil
        var delay = retry.strategy.delay(retryCount: retryCount, base: baseDelay)
        retryCount += 1
        if case .error(let error) = failure, policy.honoursRetryAfter, let retryAfter = error.retryAfter {
            delay = max(delay, retryAfter)
        }
        if case .restart = failure { return .reconnect(after: delay) }

        attemptsSinceGood += 1
        let since = failingSince ?? now
        failingSince = since
        if let maximum = policy.maximumAttempts, attemptsSinceGood > maximum { return .stop }
        if let maximum = policy.maximumDuration, now + delay - since > maximum { return .stop }
        if !hasConnected, case .timeout(let timeout) = firstConnection.mode, now + delay > timeout { return .stop }
        return .reconnect(after: delay)
    }

    private func retries(_ error: EventSourceError) -> Bool {
        if error == .noContent { return false }
        if !hasConnected, firstConnection.mode == .disabled { return false }
        if error.isCleanEnd { return policy.reconnectsAfterEnd }
        if let status = error.statusCode, error == .httpStatus(status) { return policy.retriesStatus(status) }
        if error.isResponseError { return policy.retriesInvalidResponses }
        return true
    }
}
