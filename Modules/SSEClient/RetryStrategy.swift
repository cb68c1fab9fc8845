/// Computes the delay before a reconnection attempt.
///
/// The stream keeps the state (how many attempts failed in a row, the base delay the server
/// asked for with `retry:`) and asks the strategy for each delay, so a strategy is a function of
/// its inputs plus, for jitter, a random source. ``ExponentialBackoff`` is the default.
///
/// Implementations must be cheap and must not block; they may return any non-negative delay.
public protocol RetryStrategy: Sendable {
    /// Returns the delay before the next attempt.
    ///
    /// - Parameters:
    ///   - retryCount: How many reconnection delays were computed since the last reset: `0`
    ///     for the first delay after a good connection, then `1`, `2`, ... The stream resets it
    ///     when a connection stayed good for the reset interval, and when the server sends `retry:`.
    ///   - base: The base delay: the initial delay, or the newest `retry:` value from the server.
    /// - Returns: How long to wait before reconnecting.
    func delay(retryCount: Int, base: Duration) -> Duration
}

/// Go's reconnection delays: a base delay, optionally doubled after each failure up to a
/// maximum, and optionally shortened by a random jitter.
///
/// With a 1-second base, a 30-second maximum and no jitter, the delays are 1, 2, 4, 8, 16, 30,
/// 30, ... seconds. A jitter ratio of 0.5 subtracts a random part of up to half of each delay,
/// so the same schedule becomes 0.5–1, 1–2, 2–4, ... seconds.
public struct ExponentialBackoff: RetryStrategy {
    /// The longest delay, or `nil` for a constant delay (no backoff).
    public let maximumDelay: Duration?

    /// The largest fraction of a delay that jitter removes, between 0 and 1.
    public let jitter: Double

    private let random: @Sendable () -> Double

    /// Creates a strategy.
    ///
    /// - Parameters:
    ///   - maximumDelay: The cap on doubled delays; `nil` or zero keeps the delay constant.
    ///   - jitter: The jitter ratio; values below 0 count as 0 and above 1 as 1.
    ///   - random: Returns a number in `0..<1` for each jittered delay; defaults to the system
    ///     generator. Tests pass a fixed value.
    public init(
        maximumDelay: Duration? = nil,
        jitter: Double = 0,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maximumDelay = maximumDelay.flatMap { $0 > .zero ? $0 : nil }
        self.jitter = jitter.isNaN ? 0 : min(max(jitter, 0), 1)
        self.random = random
    }

    /// Returns `base` doubled `retryCount` times and capped at ``maximumDelay`` (when backoff is
    /// on), minus a random part of up to ``jitter`` of it.
    ///
    /// - Parameters:
    ///   - retryCount: The number of delays since the last reset.
    ///   - base: The base delay.
    /// - Returns: The delay.
    public func delay(retryCount: Int, base: Duration) -> Duration {
        var delay = max(base, .zero)
        if let maximumDelay {
            // Clamp before doubling, so no base or count can overflow.
            delay = min(delay, maximumDelay)
            var doublings = max(retryCount, 0)
            while doublings > 0, delay > .zero, delay < maximumDelay {
                delay = delay < maximumDelay / 2 ? delay * 2 : maximumDelay
                doublings -= 1
            }
        }
        if jitter > 0 {
            delay -= delay * (jitter * random())
        }
        return max(delay, .zero)
    }
}

/// How long an ``EventSource`` waits before reconnecting.
///
/// ```swift
/// configuration.retry = .constant(.seconds(3))                                          // Go's default
/// configuration.retry = .exponentialBackoff(initial: .seconds(1), max: .seconds(30), jitter: 0.5)
/// ```
public struct RetryConfiguration: Sendable {
    /// The first delay, used until the server sends `retry:` (Go: `StreamOptionInitialRetry`).
    /// Defaults to 3 seconds.
    public var initialDelay: Duration

    /// How long a connection must stay good before the backoff starts over (Go:
    /// `StreamOptionRetryResetInterval`). Defaults to 60 seconds.
    public var resetInterval: Duration

    /// Turns the base delay and the failure count into a delay. Defaults to
    /// ``ExponentialBackoff`` without backoff or jitter.
    public var strategy: any RetryStrategy

    /// The shortest base delay a server's `retry:` field may set: a shorter one is raised to this,
    /// so a server cannot make its clients reconnect in a tight loop. A `retry:` of zero is
    /// ignored (Go's behaviour). Your own ``initialDelay`` is not raised. Defaults to 100
    /// milliseconds.
    public var minimumServerDelay: Duration

    /// Creates a configuration; every parameter defaults as documented on its property.
    ///
    /// - Parameters:
    ///   - initialDelay: The first delay.
    ///   - resetInterval: How long a connection must stay good to reset the backoff.
    ///   - strategy: The delay strategy.
    ///   - minimumServerDelay: The shortest base delay a server's `retry:` may set.
    public init(
        initialDelay: Duration = .seconds(3),
        resetInterval: Duration = .seconds(60),
        strategy: any RetryStrategy = ExponentialBackoff(),
        minimumServerDelay: Duration = .milliseconds(100)
    ) {
        self.initialDelay = initialDelay
        self.resetInterval = resetInterval
        self.strategy = strategy
        self.minimumServerDelay = minimumServerDelay
    }

    /// The same delay before every attempt, optionally jittered (Go's behaviour without
    /// `StreamOptionUseBackoff`).
    ///
    /// - Parameters:
    ///   - delay: The delay. Defaults to 3 seconds.
    ///   - jitter: The jitter ratio (Go: `StreamOptionUseJitter`). Defaults to 0.
    /// - Returns: The configuration.
    public static func constant(_ delay: Duration = .seconds(3), jitter: Double = 0) -> RetryConfiguration {
        RetryConfiguration(initialDelay: delay, strategy: ExponentialBackoff(jitter: jitter))
    }

    /// Delays that double after each failure up to a maximum, optionally jittered (Go:
    /// `StreamOptionUseBackoff` with `StreamOptionUseJitter`).
    ///
    /// - Parameters:
    ///   - initial: The first delay. Defaults to 3 seconds.
    ///   - max: The longest delay.
    ///   - jitter: The jitter ratio. Defaults to 0.
    ///   - resetInterval: How long a connection must stay good to reset the backoff. Defaults to 60 seconds.
    /// - Returns: The configuration.
    public static func exponentialBackoff(
        initial: Duration = .seconds(3),
        max: Duration,
        jitter: Double = 0,
        resetInterval: Duration = .seconds(60)
    ) -> RetryConfiguration {
        RetryConfiguration(
            initialDelay: initial,
            resetInterval: resetInterval,
            strategy: ExponentialBackoff(maximumDelay: max, jitter: jitter)
        )
    }
}
