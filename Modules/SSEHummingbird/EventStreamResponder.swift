import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import SSEServer
import SSETransport

/// A Hummingbird responder that streams one channel of an `EventServer`; mount it with
/// ``Hummingbird/RouterMethods/events(_:_:configuration:)``.
///
/// The stream writes through the response body writer, so it waits for Hummingbird's
/// backpressure; a client that leaves is noticed at once (the request body's inbound close), and
/// on graceful shutdown of the application each stream ends itself
/// (`EventServer.endStream(writtenBy:channel:)`) with its `retry:` hint (when
/// `EventServer.Configuration.shutdownReconnectWindow` is set) instead of holding up
/// Hummingbird's wait for open connections.
///
/// Inbound close needs the request body untouched: mount the route where no middleware
/// collects or replaces the body of a `GET`.
public struct EventStreamResponder<Context: RequestContext>: HTTPResponder {
    /// The channel handler served.
    public let handler: EventChannelHandler
    /// The buffering between the handler and the body writer.
    public let configuration: AsyncWriterResponder.Configuration

    /// Creates a responder.
    ///
    /// - Parameters:
    ///   - handler: The channel handler, from `EventServer.handler(channel:)`.
    ///   - configuration: The buffering between the handler and the body writer. Defaults to
    ///     `AsyncWriterResponder.Configuration()`.
    public init(_ handler: EventChannelHandler, configuration: AsyncWriterResponder.Configuration = .init()) {
        self.handler = handler
        self.configuration = configuration
    }

    /// Answers a request: a refusal, a preflight, or a stream.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - context: The request context.
    /// - Returns: The response, whose body streams until the stream ends.
    /// - Throws: Never before the response; the body throws to drop a connection the stream closed.
    @Sendable public func respond(to request: Request, context: Context) async throws -> Response {
        let (responder, head) = await AsyncWriterResponder.serve(
            HTTPServerRequest(request),
            with: handler,
            configuration: configuration
        )
        var fields = HTTPFields()
        for field in head.headers {
            guard let name = HTTPField.Name(field.name) else { continue }
            fields.append(HTTPField(name: name, value: field.value))
        }
        let length = head.headers["Content-Length"].flatMap { Int($0) }
        let (server, channel) = (handler.server, handler.channel)
        let body = ResponseBody(contentLength: length) { writer in
            let end: AsyncWriterResponder.BodyEnd
            if length == nil {
                end = try await request.body.consumeWithInboundCloseHandler { _ in
                    await withGracefulShutdownHandler {
                        await responder.writeBody { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
                    } onGracefulShutdown: {
                        server.endStream(writtenBy: responder, channel: channel)
                    }
                } onInboundClosed: {
                    responder.peerLeft()
                }
            } else {
                end = await responder.writeBody { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
            }
            guard end == .finished else { throw StreamDropped() }
            try await writer.finish(nil)
        }
        return Response(status: HTTPResponse.Status(code: head.status), headers: fields, body: body)
    }
}

/// Thrown from a response body so that Hummingbird drops a connection the stream closed.
struct StreamDropped: Error {}

extension HTTPServerRequest {
    /// The request as an `HTTPServerHandler` sees it; a stream's request has no body to read.
    init(_ request: Request) {
        var headers = HTTPHeaderFields()
        for field in request.headers { headers.add(name: field.name.rawName, value: field.value) }
        self.init(method: request.method.rawValue, uri: request.uri.description, headers: headers)
    }
}
