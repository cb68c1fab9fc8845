import Hummingbird
import SSEServer

extension RouterMethods {
    /// Streams an `EventServer` channel at a path: `GET` subscribes, `OPTIONS` answers CORS
    /// preflights.
    ///
    /// ```swift
    /// let events = EventServer()
    /// let router = Router()
    /// router.events("/news", events.handler(channel: "news"))
    /// ```
    ///
    /// - Parameters:
    ///   - path: The path. Defaults to the group's own path.
    ///   - handler: The channel handler, from `EventServer.handler(channel:)`.
    ///   - configuration: The buffering between the stream and the body writer. Defaults to
    ///     `AsyncWriterResponder.Configuration()`.
    /// - Returns: The router, for chaining.
    @discardableResult
    public func events(
        _ path: RouterPath = "",
        _ handler: EventChannelHandler,
        configuration: AsyncWriterResponder.Configuration = .init()
    ) -> Self {
        let responder = EventStreamResponder<Context>(handler, configuration: configuration)
        return on(path, method: .get, responder: responder).on(path, method: .options, responder: responder)
    }
}
