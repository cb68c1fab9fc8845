#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol
import SSETransport

/// Why an ``EventSource`` connection failed or ended (Go: `SubscriptionError`, `ErrReadTimeout`
/// and the decoder's end-of-stream errors).
///
/// Compare with the static members, which match on the kind of failure only:
///
/// ```swift
/// if error == .readTimeout { ... }
/// if error == .httpStatus(401) { ... }
/// if error.statusCode == 503 { ... }
/// ```
public struct EventSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case httpStatus(Int)
        case noContent
        case invalidContentType
        case invalidRedirect
        case tooManyRedirects
        case streamEnded
        case unexpectedEnd
        case readTimeout
        case eventTooLarge
        case connectionFailed
        case requestPreparationFailed
        case errorEvent
        case undecodableEvent
    }

    private let code: Code

    /// The URL of the request that failed, when known.
    public let url: URL?

    /// The HTTP status of the response, for errors about a response.
    public let statusCode: Int?

    /// The response's header fields, for errors about a response; empty otherwise.
    public let headers: HTTPHeaderFields

    /// The start of the response body as text (at most ``maximumBodyExcerpt`` bytes), for
    /// errors about a response; empty otherwise.
    public let body: String

    /// The error that caused this one: the transport's error for ``connectionFailed``, the
    /// hook's for ``requestPreparationFailed``, the decoder's for ``undecodableEvent``.
    public let underlying: (any Error)?

    /// The event this error is about, with its id and raw data: for ``errorEvent`` and
    /// ``undecodableEvent``; `nil` otherwise.
    public let event: MessageEvent?

    /// The most bytes of an error response's body that are kept in ``body``.
    public static let maximumBodyExcerpt = 4096

    private init(
        _ code: Code,
        url: URL? = nil,
        statusCode: Int? = nil,
        headers: HTTPHeaderFields = [:],
        body: String = "",
        underlying: (any Error)? = nil,
        event: MessageEvent? = nil
    ) {
        self.code = code
        self.url = url
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.underlying = underlying
        self.event = event
    }

    /// Matches every response with the given status other than 200 and 204 (Go: `SubscriptionError`).
    ///
    /// - Parameter status: The HTTP status code.
    /// - Returns: An error that compares equal to any error for that status.
    public static func httpStatus(_ status: Int) -> EventSourceError { EventSourceError(.httpStatus(status)) }

    /// The server answered 204 No Content, which means "stop reconnecting"; the stream closes.
    public static let noContent = EventSourceError(.noContent)

    /// The server answered 200 with a `Content-Type` other than `text/event-stream`.
    public static let invalidContentType = EventSourceError(.invalidContentType)

    /// The server redirected without a `Location` header that names an `http` or `https` URL.
    public static let invalidRedirect = EventSourceError(.invalidRedirect)

    /// The server redirected more often than ``EventSource/Configuration/maximumRedirects`` allows.
    public static let tooManyRedirects = EventSourceError(.tooManyRedirects)

    /// The server ended the stream cleanly, between two events (Go: `io.EOF`).
    public static let streamEnded = EventSourceError(.streamEnded)

    /// The stream ended in the middle of an event, which was discarded (Go: `io.ErrUnexpectedEOF`).
    public static let unexpectedEnd = EventSourceError(.unexpectedEnd)

    /// No data arrived within the read timeout, so the connection was dropped (Go: `ErrReadTimeout`).
    public static let readTimeout = EventSourceError(.readTimeout)

    /// An event outgrew ``EventSource/Configuration/maximumEventSize``, so the connection was dropped.
    public static let eventTooLarge = EventSourceError(.eventTooLarge)

    /// The transport could not send the request or lost the connection; see ``underlying``.
    public static let connectionFailed = EventSourceError(.connectionFailed)

    /// The request hook threw; see ``underlying``.
    public static let requestPreparationFailed = EventSourceError(.requestPreparationFailed)

    /// A one-shot stream received an event of its error type (see
    /// ``EventSource/Completion/oneShot(terminator:errorEventType:)``), which ended it; see ``event``.
    public static let errorEvent = EventSourceError(.errorEvent)

    /// An event's data could not be decoded into the type a ``EventSource/DecodedEvents``
    /// sequence asked for; see ``event`` for its id and raw data and ``underlying`` for the
    /// decoder's error.
    public static let undecodableEvent = EventSourceError(.undecodableEvent)

    /// Whether two errors are of the same kind (and, for HTTP errors, the same status).
    ///
    /// - Parameters:
    ///   - lhs: An error.
    ///   - rhs: Another error.
    /// - Returns: `true` when both have the same kind.
    public static func == (lhs: EventSourceError, rhs: EventSourceError) -> Bool { lhs.code == rhs.code }

    /// A sentence that says what went wrong.
    public var description: String {
        let target = url.map { " from \($0.absoluteString)" } ?? ""
        switch code {
        case .httpStatus(let status):
            let excerpt = body.isEmpty ? "" : ": \(body)"
            return "the server answered HTTP \(status) \(Self.reasonPhrase(status))\(target) instead of an event stream\(excerpt)"
        case .noContent:
            return "the server answered HTTP 204 No Content\(target), which tells the client to stop reconnecting"
        case .invalidContentType:
            return "the server answered\(target) with Content-Type \"\(headers["Content-Type"] ?? "")\" instead of text/event-stream"
        case .invalidRedirect:
            return "the server redirected\(target) (HTTP \(statusCode ?? 0)) without a usable Location header (\"\(headers["Location"] ?? "")\")"
        case .tooManyRedirects:
            return "the server redirected too many times\(target)"
        case .streamEnded:
            return "the server ended the event stream\(target)"
        case .unexpectedEnd:
            return "the event stream\(target) ended in the middle of an event; the partial event was discarded"
        case .readTimeout:
            return "read timeout on the event stream\(target): no data arrived within the configured interval"
        case .eventTooLarge:
            return "an event\(target) exceeded the maximum event size"
        case .connectionFailed:
            return "could not read the event stream\(target): \(underlying.map { "\($0)" } ?? "connection failed")"
        case .requestPreparationFailed:
            return "the request hook failed: \(underlying.map { "\($0)" } ?? "unknown error")"
        case .errorEvent:
            return "the event stream\(target) reported an error: event \"\(event?.type ?? "")\" with data \"\(event?.data ?? "")\""
        case .undecodableEvent:
            let id = event.map { $0.id.isEmpty ? "an event without id" : "event \"\($0.id)\"" } ?? "an event"
            return "could not decode \(id)\(target): \(underlying.map { "\($0)" } ?? "invalid data"); data: \"\(event?.data ?? "")\""
        }
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "(status \(status))"
        }
    }
}

extension EventSourceError {
    static func response(_ status: Int, url: URL, headers: HTTPHeaderFields, body: String) -> EventSourceError {
        EventSourceError(status == 204 ? .noContent : .httpStatus(status), url: url, statusCode: status, headers: headers, body: body)
    }

    static func invalidContentType(url: URL, headers: HTTPHeaderFields) -> EventSourceError {
        EventSourceError(.invalidContentType, url: url, statusCode: 200, headers: headers)
    }

    static func invalidRedirect(_ status: Int, url: URL, headers: HTTPHeaderFields) -> EventSourceError {
        EventSourceError(.invalidRedirect, url: url, statusCode: status, headers: headers)
    }

    static func tooManyRedirects(url: URL) -> EventSourceError {
        EventSourceError(.tooManyRedirects, url: url)
    }

    static func ended(_ kind: EventSourceError, url: URL) -> EventSourceError {
        EventSourceError(kind.code, url: url)
    }

    static func connectionFailed(_ error: any Error, url: URL) -> EventSourceError {
        EventSourceError(.connectionFailed, url: url, underlying: error)
    }

    static func requestPreparationFailed(_ error: any Error) -> EventSourceError {
        EventSourceError(.requestPreparationFailed, underlying: error)
    }

    static func errorEvent(_ event: MessageEvent, url: URL) -> EventSourceError {
        EventSourceError(.errorEvent, url: url, event: event)
    }

    static func undecodableEvent(_ event: MessageEvent, error: any Error) -> EventSourceError {
        EventSourceError(.undecodableEvent, underlying: error, event: event)
    }

    /// The `Retry-After` header of a response, in whole seconds, when it has one.
    var retryAfter: Duration? {
        guard statusCode != nil, let value = headers["Retry-After"], let seconds = Int64(value.trimmingSpaces) else {
            return nil
        }
        return seconds >= 0 ? .seconds(seconds) : nil
    }

    /// Whether the server ended the stream cleanly, between events.
    var isCleanEnd: Bool { code == .streamEnded }

    /// Whether this error is about an HTTP response (status, content type, redirects).
    var isResponseError: Bool {
        switch code {
        case .httpStatus, .noContent, .invalidContentType, .invalidRedirect, .tooManyRedirects: true
        default: false
        }
    }
}

private extension String {
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
