#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How much history a bounded store keeps per channel.
///
/// Limits apply together: an event is removed, oldest first, as soon as any limit is exceeded.
/// The newest event of a channel is always kept, even when it alone exceeds ``maxBytes``.
public struct Retention: Sendable, Hashable {
    /// The most events kept per channel; `nil` for no limit.
    public var maxEvents: Int?

    /// The most bytes (``StoredEvent/size``) kept per channel; `nil` for no limit.
    public var maxBytes: Int?

    /// How long an event is kept after it was appended; `nil` for no limit.
    public var maxAge: Duration?

    /// Creates a retention policy.
    ///
    /// - Parameters:
    ///   - maxEvents: The most events kept per channel; `nil` (the default) for no limit.
    ///   - maxBytes: The most bytes kept per channel; `nil` (the default) for no limit.
    ///   - maxAge: How long an event is kept; `nil` (the default) for no limit.
    public init(maxEvents: Int? = nil, maxBytes: Int? = nil, maxAge: Duration? = nil) {
        precondition(maxEvents.map { $0 > 0 } ?? true, "maxEvents must be positive")
        precondition(maxBytes.map { $0 > 0 } ?? true, "maxBytes must be positive")
        precondition(maxAge.map { $0 > .zero } ?? true, "maxAge must be positive")
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }

    /// Keeps everything forever.
    public static let unlimited = Retention()

    /// Whether a store with this policy keeps a bounded amount of memory or disk per channel.
    public var isBounded: Bool { maxEvents != nil || maxBytes != nil }
}

extension Retention {
    /// The time before which events have outlived ``maxAge``.
    ///
    /// - Parameter now: The current time.
    /// - Returns: `now` minus ``maxAge``, or `nil` when there is no age limit.
    public func expiry(now: Date) -> Date? {
        maxAge.map { age in
            let (seconds, attoseconds) = age.components
            return now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) * 1e-18))
        }
    }
}
