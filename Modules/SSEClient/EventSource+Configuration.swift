import Logging
import SSEAsyncHTTPClient
import SSELogging
import SSETransport

extension EventSource {
    /// What an error handler tells the stream to do (Go: `StreamErrorHandlerResult`).
    public struct ErrorAction: Sendable, Hashable {
        let closes: Bool

        /// Carry on as usual: reconnect if the policy allows it.
        public static let proceed = ErrorAction(closes: false)

        /// Close the stream at once, as ``EventSource/close()`` does (Go: `CloseNow`).
        public static let close = ErrorAction(closes: true)
    }

    /// Every setting of a stream, with Go's defaults (Go: the `StreamOption` functions).
    ///
    /// ```swift
    /// var configuration = EventSource.Configuration()
    /// configuration.retry = .exponentialBackoff(initial: .seconds(1), max: .seconds(30), jitter: 0.5)
    /// configuration.readTimeout = .seconds(60)
    /// let stream = try await EventSource.subscribe(to: url, configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The last event ID to send with the first request, so the server can replay what was
        /// missed (Go: `StreamOptionLastEventID`). Defaults to the empty string (none).
        public var lastEventID: String

        /// The delays between reconnection attempts (Go: `StreamOptionInitialRetry`,
        /// `StreamOptionUseBackoff`, `StreamOptionUseJitter`, `StreamOptionRetryResetInterval`).
        /// Defaults to ``RetryConfiguration/constant(_:jitter:)`` with 3 seconds: no backoff,
        /// no jitter, a 60-second reset interval.
        public var retry: RetryConfiguration

        /// Which failures are retried and for how long. Defaults to ``ReconnectPolicy/always``
        /// (Go's behaviour).
        public var reconnect: ReconnectPolicy

        /// The longest wait for data (comments count) before the connection is dropped with
        /// ``EventSourceError/readTimeout`` and retried (Go: `StreamOptionReadTimeout`).
        /// Defaults to `nil`: no read timeout.
        public var readTimeout: Duration?

        /// Whether subscribing retries a failed first connection (Go:
        /// `StreamOptionCanRetryFirstConnection`). Defaults to ``FirstConnectionRetry/disabled``.
        public var firstConnectionRetry: FirstConnectionRetry

        /// Called with every error instead of delivering it to ``EventSource/errors``, including
        /// every failed first connection, the one that makes subscribing throw too; its result can
        /// close the stream (Go: `StreamOptionErrorHandler`). It runs on the stream's task (for an
        /// ``EventSourceError/undecodableEvent``, on the task reading the decoded sequence) and
        /// must return promptly. Capturing the ``EventSource`` in it keeps the stream alive until
        /// ``EventSource/close()``. Defaults to `nil`.
        public var errorHandler: (@Sendable (EventSourceError) -> ErrorAction)?

        /// Called with the text of every comment line, in order with events and errors.
        /// Defaults to `nil`: comments are ignored.
        public var commentHandler: (@Sendable (String) -> Void)?

        /// Called before every connection attempt with the request about to be sent: the request
        /// this callback returned last time (the subscribed request the first time), with the
        /// standard headers and `Last-Event-ID` set afresh. Returns the request to send, for example
        /// with a fresh token, or a query rewritten from its previous value (Go's dynamic query
        /// parameters). If it throws, the attempt fails with
        /// ``EventSourceError/requestPreparationFailed`` and the next attempt starts from the
        /// request sent before. Defaults to `nil`.
        public var prepareRequest: (@Sendable (ClientRequest) async throws -> ClientRequest)?

        /// When the stream is done: ``Completion/reconnecting`` keeps Go's reconnecting stream;
        /// ``Completion/oneShot(terminator:errorEventType:)`` makes one request's stream, ended by
        /// the response's end or a terminator event, as streamed APIs send. Defaults to
        /// ``Completion/reconnecting``.
        public var completion: Completion

        /// The most redirects (301, 302, 303, 307, 308) followed per connection attempt.
        /// Defaults to 10.
        public var maximumRedirects: Int

        /// The largest event, in bytes, the stream accepts; a larger one drops the connection
        /// with ``EventSourceError/eventTooLarge``. Defaults to 32 MiB, room for the 5 MB and
        /// 10 MB events of the LaunchDarkly SSE contract tests.
        public var maximumEventSize: Int

        /// How many received events may wait for the consumer before reading pauses, counting
        /// those an iterator took and has not returned yet (it takes up to half at once).
        /// Defaults to 16,384: room for several 64 KiB network chunks of small events, so the
        /// reader and the consumer trade events in batches of a chunk rather than a few at a time,
        /// and for a few milliseconds of a fast stream, so a consumer that loses its core for a
        /// scheduler time slice does not stall the reader (with 4,096, a detached consumer of
        /// `sse-bench client` ran about 15% slower on two cores). The memory bound is
        /// ``maximumBufferedBytes``; 16,384 events of about 40 bytes hold about 1.5 MB.
        public var bufferSize: Int

        /// How many bytes of received events (data, id and type) may wait for the consumer before
        /// reading pauses, so a stream of large events holds at most this much plus the event
        /// being read, not ``bufferSize`` times ``maximumEventSize``. An event larger than this is
        /// still delivered, once the queue is empty. Defaults to 64 MiB.
        public var maximumBufferedBytes: Int

        /// Whether a block that sets fields but has no `data:` line, such as `event: ping`, is
        /// delivered as an event with empty data, as Go's decoder does. Defaults to `false`: such
        /// blocks are not dispatched, as the WHATWG specification says.
        public var dispatchesBlocksWithoutData: Bool

        /// Where the stream logs connections, errors and delays (Go: `StreamOptionLogger`).
        /// Defaults to `Logger.disabled`.
        public var logger: Logger

        /// What sends the requests (Go: `StreamOptionHTTPClient`). Defaults to
        /// `AsyncHTTPClientTransport.shared`, which holds up to 1,000 HTTP/1.1 streams per host
        /// and multiplexes HTTPS streams over HTTP/2 up to the server's stream limit; see
        /// `AsyncHTTPClientTransport` for going higher.
        public var transport: any ClientTransport

        /// The clock that measures retry delays, read timeouts and reset intervals; tests inject
        /// a manual clock. Defaults to `ContinuousClock()`.
        public var clock: any Clock<Duration>

        /// Creates a configuration with every setting at its default.
        public init() {
            self.lastEventID = ""
            self.retry = .constant()
            self.reconnect = .always
            self.readTimeout = nil
            self.firstConnectionRetry = .disabled
            self.errorHandler = nil
            self.commentHandler = nil
            self.prepareRequest = nil
            self.completion = .reconnecting
            self.maximumRedirects = 10
            self.maximumEventSize = 32 * 1024 * 1024
            self.bufferSize = 16_384
            self.maximumBufferedBytes = 64 * 1024 * 1024
            self.dispatchesBlocksWithoutData = false
            self.logger = .disabled
            self.transport = AsyncHTTPClientTransport.shared
            self.clock = ContinuousClock()
        }
    }
}
