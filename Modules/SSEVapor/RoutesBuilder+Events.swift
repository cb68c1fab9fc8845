import SSEServer
import Vapor

extension RoutesBuilder {
    /// Streams an `EventServer` channel at a path: `GET` subscribes, `OPTIONS` answers CORS
    /// preflights.
    ///
    /// ```swift
    /// let events = EventServer(configuration: .vapor)
    /// app.lifecycle.use(EventServerLifecycle(events))
    /// app.events("news", handler: events.handler(channel: "news"))
    /// ```
    ///
    /// - Parameters:
    ///   - path: The path components.
    ///   - handler: The channel handler, from `EventServer.handler(channel:)`.
    ///   - configuration: The buffering between the stream and Vapor's body writer. Defaults to
    ///     `AsyncWriterResponder.Configuration()`.
    /// - Returns: The two routes (`GET` and `OPTIONS`).
    @discardableResult
    public func events(
        _ path: PathComponent...,
        handler: EventChannelHandler,
        configuration: AsyncWriterResponder.Configuration = .init()
    ) -> [Route] {
        let responder = VaporEventStreamResponder(handler, configuration: configuration)
        return [
            on(.GET, path) { request in await responder.respond(to: request) },
            on(.OPTIONS, path) { request in await responder.respond(to: request) },
        ]
    }
}
