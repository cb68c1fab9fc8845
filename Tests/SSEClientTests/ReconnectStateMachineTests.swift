#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import SSEClient
import SSETransport

@Suite struct ReconnectStateMachineTests {
    private func machine(
        retry: RetryConfiguration = .constant(),
        policy: ReconnectPolicy = .always,
        firstConnection: FirstConnectionRetry = .disabled,
        connectedAt: Duration? = .zero
    ) -> ReconnectStateMachine {
        var machine = ReconnectStateMachine(retry: retry, policy: policy, firstConnection: firstConnection)
        if let connectedAt { machine.connected(at: connectedAt) }
        return machine
    }

    private static let ended = ReconnectStateMachine.Failure.error(.streamEnded)

    private static func status(_ code: Int, headers: HTTPHeaderFields = [:]) -> ReconnectStateMachine.Failure {
        .error(.response(code, url: URL(string: "http://127.0.0.1/")!, headers: headers, body: ""))
    }

    @Test func defaultDelayIsAConstantThreeSeconds() {
        var machine = machine()
        for second in 1...5 {
            #expect(machine.failed(Self.ended, at: .seconds(second)) == .reconnect(after: .seconds(3)))
        }
    }

    @Test func backoffDoublesUpToTheMaximum() {
        var machine = machine(retry: .exponentialBackoff(initial: .seconds(1), max: .seconds(10)))
        let delays = (1...6).map { machine.failed(Self.ended, at: .seconds($0)) }
        #expect(delays == [1, 2, 4, 8, 10, 10].map { .reconnect(after: .seconds($0)) })
    }

    @Test(arguments: [(0.5, 0.5, Duration.seconds(3)), (0.5, 0.999, .milliseconds(2002)), (1.5, 0.999, .milliseconds(4))])
    func jitterRemovesUpToItsRatioAndClampsAboveOne(ratio: Double, random: Double, expected: Duration) {
        let strategy = ExponentialBackoff(jitter: ratio, random: { random })
        #expect(strategy.jitter == min(ratio, 1))
        let delay = strategy.delay(retryCount: 0, base: .seconds(4))
        #expect(abs((delay - expected) / .milliseconds(1)) < 0.01)
    }

    @Test func retryFieldSetsTheBaseDelayAndResetsBackoff() {
        var machine = machine(retry: .exponentialBackoff(initial: .seconds(1), max: .seconds(60)))
        #expect(machine.failed(Self.ended, at: .seconds(1)) == .reconnect(after: .seconds(1)))
        #expect(machine.failed(Self.ended, at: .seconds(2)) == .reconnect(after: .seconds(2)))
        machine.serverRequestedRetry(.seconds(5))
        #expect(machine.failed(Self.ended, at: .seconds(3)) == .reconnect(after: .seconds(5)))
        #expect(machine.failed(Self.ended, at: .seconds(4)) == .reconnect(after: .seconds(10)))
    }

    @Test func aConnectionThatStayedGoodForTheResetIntervalStartsDelaysOver() {
        var machine = machine(retry: .exponentialBackoff(initial: .seconds(1), max: .seconds(60), resetInterval: .seconds(60)))
        #expect(machine.failed(Self.ended, at: .seconds(1)) == .reconnect(after: .seconds(1)))
        machine.connected(at: .seconds(2))
        #expect(machine.failed(Self.ended, at: .seconds(61)) == .reconnect(after: .seconds(2)))
        machine.connected(at: .seconds(63))
        #expect(machine.failed(Self.ended, at: .seconds(123)) == .reconnect(after: .seconds(1)))
    }

    @Test func firstConnectionIsNotRetriedByDefault() {
        var machine = machine(connectedAt: nil)
        #expect(machine.failed(Self.status(500), at: .zero) == .stop)
    }

    @Test func firstConnectionRetryGivesUpAfterItsTimeout() {
        var machine = machine(firstConnection: .timeout(.seconds(5)), connectedAt: nil)
        #expect(machine.failed(Self.status(500), at: .zero) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(3)) == .stop)
        #expect(FirstConnectionRetry.timeout(.zero) == .disabled)
    }

    @Test func firstConnectionRetryForeverNeverGivesUp() {
        var machine = machine(firstConnection: .forever, connectedAt: nil)
        for hour in 0..<100 {
            #expect(machine.failed(Self.status(503), at: .seconds(hour * 3600)) == .reconnect(after: .seconds(3)))
        }
    }

    @Test func noContentAlwaysStops() {
        var machine = machine()
        #expect(machine.failed(Self.status(204), at: .seconds(1)) == .stop)
    }

    @Test func restartReconnectsAfterTheNormalDelayWhateverThePolicy() {
        var machine = machine(policy: .transientFailures.limited(attempts: 0))
        #expect(machine.failed(.restart, at: .seconds(1)) == .reconnect(after: .seconds(3)))
    }

    @Test func alwaysPolicyRetriesEveryStatusAndIgnoresRetryAfter() {
        var machine = machine()
        #expect(machine.failed(Self.status(401), at: .seconds(1)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(503, headers: ["Retry-After": "20"]), at: .seconds(2)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(.error(.invalidContentType), at: .seconds(3)) == .reconnect(after: .seconds(3)))
    }

    @Test func transientFailuresPolicyRetries5xxAnd429HonouringRetryAfterButNot401() {
        var machine = machine(policy: .transientFailures)
        #expect(machine.failed(Self.status(503, headers: ["Retry-After": "20"]), at: .seconds(1)) == .reconnect(after: .seconds(20)))
        #expect(machine.failed(Self.status(429, headers: ["Retry-After": " 1 "]), at: .seconds(2)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(.error(.readTimeout), at: .seconds(3)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(401), at: .seconds(4)) == .stop)
    }

    @Test func transientFailuresPolicyDoesNotRetryInvalidResponses() {
        var machine = machine(policy: .transientFailures)
        #expect(machine.failed(.error(.invalidContentType), at: .seconds(1)) == .stop)
    }

    @Test func attemptCapCountsFailuresSinceTheLastGoodConnection() {
        var machine = machine(policy: .always.limited(attempts: 2))
        #expect(machine.failed(Self.ended, at: .seconds(1)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(4)) == .reconnect(after: .seconds(3)))
        machine.connected(at: .seconds(7))
        #expect(machine.failed(Self.ended, at: .seconds(8)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(11)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(14)) == .stop)
    }

    @Test func durationCapStopsWhenTheNextAttemptWouldStartTooLate() {
        var machine = machine(policy: .always.limited(duration: .seconds(10)))
        #expect(machine.failed(Self.status(500), at: .seconds(1)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(4)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(7)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.status(500), at: .seconds(10)) == .stop)
    }

    @Test func stoppingAfterEndStopsOnlyAfterACleanEnd() {
        var machine = machine(policy: .always.stoppingAfterEnd())
        #expect(machine.failed(.error(.unexpectedEnd), at: .seconds(1)) == .reconnect(after: .seconds(3)))
        #expect(machine.failed(Self.ended, at: .seconds(4)) == .stop)
    }

    @Test(arguments: [Duration.zero, .milliseconds(-5)])
    func aRetryOfZeroOrLessIsIgnored(retry: Duration) {
        var machine = machine(retry: .constant(.seconds(2)))
        machine.serverRequestedRetry(retry)
        #expect(machine.failed(Self.ended, at: .seconds(1)) == .reconnect(after: .seconds(2)))
    }

    @Test func aServerRetryBelowTheFloorIsRaisedButTheUsersOwnDelayIsNot() {
        var machine = machine(retry: .constant(.milliseconds(10)))
        #expect(machine.failed(Self.ended, at: .seconds(1)) == .reconnect(after: .milliseconds(10)))
        machine.serverRequestedRetry(.milliseconds(1))
        #expect(machine.failed(Self.ended, at: .seconds(2)) == .reconnect(after: .milliseconds(100)))
        machine.serverRequestedRetry(.milliseconds(250))
        #expect(machine.failed(Self.ended, at: .seconds(3)) == .reconnect(after: .milliseconds(250)))
    }

    @Test func theFloorIsConfigurable() {
        var retry = RetryConfiguration.constant(.seconds(1))
        retry.minimumServerDelay = .seconds(2)
        var machine = machine(retry: retry)
        machine.serverRequestedRetry(.milliseconds(1))
        #expect(machine.failed(Self.ended, at: .seconds(1)) == .reconnect(after: .seconds(2)))
    }

    /// The largest `retry:` the decoder accepts, with backoff, over many failures: no trap, no overflow.
    @Test(arguments: [Duration.seconds(30), .milliseconds(Int64.max) * 4])
    func theLargestRetryWithBackoffNeverOverflows(maximum: Duration) {
        var machine = machine(retry: .exponentialBackoff(initial: .seconds(1), max: maximum, jitter: 0.5))
        machine.serverRequestedRetry(.milliseconds(Int64.max))
        for failure in 1...200 {
            guard case .reconnect(let delay) = machine.failed(Self.ended, at: .seconds(failure)) else {
                Issue.record("stopped reconnecting")
                return
            }
            #expect(delay >= .zero && delay <= maximum)
        }
    }

    @Test(arguments: [0, 1, 62, 63, 64, 1_000, Int.max])
    func backoffClampsBeforeDoubling(retryCount: Int) {
        let strategy = ExponentialBackoff(maximumDelay: .seconds(Int64.max))
        #expect(strategy.delay(retryCount: retryCount, base: .milliseconds(Int64.max)) <= .seconds(Int64.max))
        #expect(strategy.delay(retryCount: retryCount, base: .nanoseconds(1)) <= .seconds(Int64.max))
        #expect(strategy.delay(retryCount: retryCount, base: .zero) == .zero)
    }
}
