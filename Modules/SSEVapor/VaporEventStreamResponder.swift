import NIOCore
import SSEServer
import SSETransport
import Vapor

/// Streams one channel of an `EventServer` as Vapor responses; mount it with
/// ``Vapor/RoutesBuilder/events(_:handler:configuration:)``.
///
/// The stream writes through Vapor's async response body, one write at a time, each waiting
/// until Vapor has written it (its backpressure). Vapor's own response compression is turned
/// off for these responses, so a stream is never compressed twice: compress with
/// `EventServer.Configuration.compression` instead, which flushes after every event.
///
/// Vapor reports no disconnect for a `GET`: a client that left is noticed when a write fails,
/// so give the `EventServer` heartbeats (``SSEServer/EventServer/Configuration/vapor``
/// does, every 15 seconds): a departed client is then unsubscribed within two heartbeat
/// intervals.
public struct VaporEventStreamResponder: Sendable {
    /// The channel handler served.
    public let handler: EventChannelHandler
    /// The buffering between the handler and Vapor's body writer.
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
    /// - Parameter request: The request.
    /// - Returns: The response, whose body streams until the stream ends.
    public func respond(to request: Request) async -> Response {
        var headers = HTTPHeaderFields()
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        let serverRequest = HTTPServerRequest(
            method: request.method.rawValue,
            uri: request.url.string,
            headers: headers,
            remoteAddress: request.remoteAddress?.description
        )
        let (responder, head) = await AsyncWriterResponder.serve(serverRequest, with: handler, configuration: configuration)
        var responseHeaders = HTTPHeaders()
        for field in head.headers where field.name.lowercased() != "content-length" {
            responseHeaders.add(name: field.name, value: field.value)
        }
        responseHeaders.responseCompression = .disable
        let length = head.headers["Content-Length"].flatMap { Int($0) } ?? -1
        let body = Response.Body(asyncStream: { writer in
            // Vapor sends a streamed response's head with the first body bytes: an empty write
            // flushes it now, so the client sees its stream open before the first event.
            if length == -1 { try await writer.writeBuffer(ByteBuffer()) }
            let end = await responder.writeBody(abort: {
                Task { try? await writer.write(.error(StreamDropped())) }
            }) { bytes in
                try await writer.writeBuffer(ByteBuffer(bytes: bytes))
            }
            switch end {
            case .finished: try await writer.write(.end)
            case .closed: try? await writer.write(.error(StreamDropped()))
            }
        }, count: length)
        return Response(status: HTTPResponseStatus(statusCode: head.status), headers: responseHeaders, body: body)
    }
}

/// Written to a response body so that Vapor drops a connection the stream closed.
struct StreamDropped: Error {}
