import Logging
import Metrics
import SSEGzip
import SSELogging
import SSETransport

extension EventServer {
    /// Settings for an ``EventServer``; Go's `Server` fields plus what production streams need.
    public struct Configuration: Sendable {
        /// Which origins may read the streams from a browser on another origin (Go: `AllowCORS`,
        /// which is ``CrossOriginPolicy/anyOrigin``). Defaults to ``CrossOriginPolicy/disabled``.
        public var crossOrigin: CrossOriginPolicy

        /// Whether a channel's repository is replayed to subscribers that sent no
        /// `Last-Event-ID` (Go: `ReplayAll`). Defaults to `false`.
        public var replayAll: Bool

        /// How many events a subscriber may fall behind before it is ended (Go: `BufferSize`);
        /// it can resume with `Last-Event-ID`. Defaults to 128.
        public var bufferSize: Int

        /// How many bytes of events a subscriber may fall behind before it is ended, beside
        /// ``bufferSize``, so that memory per subscriber never grows to `bufferSize` × event size.
        /// Counts the encoded bytes waiting for the connection (bytes already handed to it are
        /// the HTTP server's, which stops taking more while the connection is not writable).
        /// An event larger than the budget on its own still goes to a subscriber that is not
        /// behind. Defaults to 4 MiB (4,194,304 bytes).
        public var maximumBufferedBytes: Int

        /// How long a stream the server ends (a slow consumer, the maximum connection time,
        /// `unregister`) may take to send its last bytes and the end of the body; after that its
        /// connection is closed. Defaults to 5 seconds.
        public var finishDeadline: Duration

        /// How long ``EventServer/close(reconnectWindow:)`` and graceful shutdown wait for each
        /// stream to send its queued events and `retry:` hint; the connections still open then are
        /// closed. Defaults to 10 seconds.
        public var shutdownDeadline: Duration

        /// The content codings responses may be compressed with, most preferred first; each
        /// request's `Accept-Encoding` picks one (``StreamCompression/negotiate(_:acceptEncoding:)``),
        /// or none. Every coding flushes after each event, so each is readable on arrival.
        /// Defaults to none: responses are not compressed (Go parity).
        public var compression: [StreamCompression]

        /// Whether responses are gzip-compressed for clients that accept it (Go: `Gzip`): reads
        /// whether ``compression`` offers gzip; setting it adds or removes
        /// `StreamCompression.gzip`. Defaults to `false`.
        public var gzip: Bool {
            get { compression.contains { $0.contentEncoding == "gzip" } }
            set {
                compression.removeAll { $0.contentEncoding == "gzip" }
                if newValue { compression.append(.gzip) }
            }
        }

        /// How long a response may stay open before the server ends it (Go: `MaxConnTime`);
        /// `nil` for no limit. Defaults to `nil`.
        public var maximumConnectionTime: Duration?

        /// How often silent streams get a comment line, which keeps proxies from cutting them: a
        /// stream that was sent nothing during one interval gets one at its end. `nil` sends
        /// none. Defaults to `nil`.
        public var heartbeatInterval: Duration?

        /// The text of heartbeat comments (sent as `:TEXT`). Defaults to the empty string.
        public var heartbeatComment: String

        /// When set, a graceful shutdown (see ``EventServer/run()``) ends each stream with a
        /// `retry:` field of a random delay up to this long, spreading the clients' reconnections
        /// over the window (see ``EventServer/close(reconnectWindow:)`` for its minimum). Defaults
        /// to `nil`.
        public var shutdownReconnectWindow: Duration?

        /// The clock of heartbeats, the maximum connection time and the deadlines (tests pass one
        /// they advance themselves). Defaults to `ContinuousClock()`.
        public var clock: any Clock<Duration>

        /// Decides per subscription whether the request may read the channel; `nil` allows
        /// every request. Defaults to `nil`.
        public var authorize: (@Sendable (SubscriptionRequest) async -> SubscriptionDecision)?

        /// Where the server logs subscriptions and disconnections (Go: `Logger`). Defaults to
        /// `Logger.disabled`.
        public var logger: Logger

        /// The prefix of the server's swift-metrics labels (see ``EventServer``). Defaults to
        /// `"sse_server"`.
        public var metricsLabelPrefix: String

        /// The swift-metrics backend the server reports to. Defaults to `MetricsSystem.factory`,
        /// the process-wide backend.
        public var metricsFactory: any MetricsFactory

        /// Creates a configuration; every parameter defaults as documented on its property.
        ///
        /// - Parameters:
        ///   - crossOrigin: Which origins may read the streams.
        ///   - replayAll: Whether repositories replay to subscribers without a `Last-Event-ID`.
        ///   - bufferSize: How many events a subscriber may fall behind.
        ///   - maximumBufferedBytes: How many bytes of events a subscriber may fall behind.
        ///   - finishDeadline: How long an ended stream may take to send its last bytes.
        ///   - shutdownDeadline: How long shutdown waits for streams to send what they have queued.
        ///   - gzip: Whether responses are gzip-compressed when the client accepts it.
        ///   - compression: The content codings responses may use, most preferred first; `gzip`
        ///     adds gzip after them.
        ///   - maximumConnectionTime: How long a response may stay open.
        ///   - heartbeatInterval: How long a stream may stay silent.
        ///   - heartbeatComment: The text of heartbeat comments.
        ///   - shutdownReconnectWindow: The window graceful shutdown spreads reconnections over.
        ///   - clock: The clock of heartbeats, connection times and deadlines.
        ///   - authorize: Decides per subscription whether it is allowed.
        ///   - logger: Where the server logs.
        ///   - metricsLabelPrefix: The prefix of metrics labels.
        ///   - metricsFactory: The metrics backend.
        public init(
            crossOrigin: CrossOriginPolicy = .disabled,
            replayAll: Bool = false,
            bufferSize: Int = 128,
            maximumBufferedBytes: Int = 4 * 1024 * 1024,
            finishDeadline: Duration = .seconds(5),
            shutdownDeadline: Duration = .seconds(10),
            gzip: Bool = false,
            compression: [StreamCompression] = [],
            maximumConnectionTime: Duration? = nil,
            heartbeatInterval: Duration? = nil,
            heartbeatComment: String = "",
            shutdownReconnectWindow: Duration? = nil,
            clock: any Clock<Duration> = ContinuousClock(),
            authorize: (@Sendable (SubscriptionRequest) async -> SubscriptionDecision)? = nil,
            logger: Logger = .disabled,
            metricsLabelPrefix: String = "sse_server",
            metricsFactory: any MetricsFactory = MetricsSystem.factory
        ) {
            self.crossOrigin = crossOrigin
            self.replayAll = replayAll
            self.bufferSize = bufferSize
            self.maximumBufferedBytes = maximumBufferedBytes
            self.finishDeadline = finishDeadline
            self.shutdownDeadline = shutdownDeadline
            self.compression = compression
            self.maximumConnectionTime = maximumConnectionTime
            self.heartbeatInterval = heartbeatInterval
            self.heartbeatComment = heartbeatComment
            self.shutdownReconnectWindow = shutdownReconnectWindow
            self.clock = clock
            self.authorize = authorize
            self.logger = logger
            self.metricsLabelPrefix = metricsLabelPrefix
            self.metricsFactory = metricsFactory
            if gzip { self.gzip = true }
        }
    }
}
