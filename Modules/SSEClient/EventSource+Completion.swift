import SSEProtocol

extension EventSource {
    /// When an ``EventSource`` is done: Go's reconnecting stream, or a one-shot request such as a
    /// streamed LLM completion.
    ///
    /// ```swift
    /// var configuration = EventSource.Configuration()
    /// configuration.completion = .oneShot(terminator: .data("[DONE]"), errorEventType: "error")
    /// ```
    public struct Completion: Sendable {
        /// Whether the stream ends, instead of reconnecting, once it has connected.
        let isOneShot: Bool
        /// The event that ends a one-shot stream without being delivered.
        let terminator: Terminator?
        /// The event type a one-shot stream turns into ``EventSourceError/errorEvent``.
        let errorEventType: String?

        /// Reconnect whenever the connection ends or fails, as the reconnect policy allows, sending
        /// `Last-Event-ID` (Go's behaviour, and the default).
        public static let reconnecting = Completion(isOneShot: false, terminator: nil, errorEventType: nil)

        /// One request, one stream: once connected, the stream never reconnects by itself.
        ///
        /// - A normal end of the response finishes ``EventSource/events`` quietly.
        /// - An event matching `terminator` finishes it too, and is not delivered.
        /// - An event whose type is `errorEventType` is not delivered: the stream ends with
        ///   ``EventSourceError/errorEvent``, which carries the event, reported like any error and
        ///   kept in ``EventSource/finalError``.
        /// - Any other failure after connecting (a dropped connection, a read timeout, an event
        ///   too large) is reported and ends the stream, since sending the request again would
        ///   start it over. ``EventSource/restart()`` still sends it again when you ask.
        ///
        /// Subscribing itself still follows ``Configuration/firstConnectionRetry``.
        ///
        /// - Parameters:
        ///   - terminator: The event that marks the end of the stream, such as
        ///     ``Terminator/data(_:)`` with `"[DONE]"`. Defaults to `nil`: only the end of the
        ///     response ends the stream.
        ///   - errorEventType: The `event:` type that reports a failure mid-stream, such as
        ///     `"error"`. Defaults to `nil`: such events are delivered like any other.
        /// - Returns: The completion.
        public static func oneShot(terminator: Terminator? = nil, errorEventType: String? = nil) -> Completion {
            Completion(isOneShot: true, terminator: terminator, errorEventType: errorEventType)
        }
    }

    /// Recognises the event that ends a one-shot stream.
    public struct Terminator: Sendable {
        /// How the terminator recognises its event: by bytes where it can, so the reader builds
        /// no strings for it.
        private enum Rule: Sendable {
            case data(String)
            case eventType(String)
            case predicate(@Sendable (MessageEvent) -> Bool)
        }

        private let rule: Rule

        /// A terminator that matches events for which `predicate` returns `true`.
        ///
        /// - Parameter predicate: Called with each event before it is delivered; must be quick.
        public init(_ predicate: @escaping @Sendable (MessageEvent) -> Bool) {
            rule = .predicate(predicate)
        }

        private init(rule: Rule) {
            self.rule = rule
        }

        /// Matches an event whose data is exactly `marker` (the same UTF-8 bytes), such as
        /// OpenAI's `data: [DONE]`.
        ///
        /// - Parameter marker: The data of the final event.
        /// - Returns: The terminator.
        public static func data(_ marker: String) -> Terminator {
            Terminator(rule: .data(marker))
        }

        /// Matches an event of the given type, such as Anthropic's `event: message_stop`.
        ///
        /// - Parameter type: The event's type (`message` for events without an `event:` field).
        /// - Returns: The terminator.
        public static func eventType(_ type: String) -> Terminator {
            Terminator(rule: .eventType(type))
        }

        /// Whether the event, as the decoder lent it, is the terminator.
        func matches(_ event: EventView) -> Bool {
            switch rule {
            case .data(let marker): event.data.elementsEqual(marker.utf8)
            case .eventType(let type): event.hasType(type)
            case .predicate(let predicate): predicate(MessageEvent(event))
            }
        }
    }
}

extension EventView {
    /// Whether the event's type, as a browser dispatches it (`message` when it has none), is `type`.
    func hasType(_ type: String) -> Bool {
        event.isEmpty ? type == "message" : event.elementsEqual(type.utf8)
    }
}
