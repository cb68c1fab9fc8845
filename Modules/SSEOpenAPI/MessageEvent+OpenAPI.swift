#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OpenAPIRuntime
import SSEProtocol

extension MessageEvent {
    /// The event an OpenAPIRuntime event stands for, ready to publish through `EventServer` or to
    /// encode with `EventEncoder`.
    ///
    /// Absent fields become empty strings, the wire's own "absent"; a `retry` in milliseconds
    /// becomes a `Duration` (a negative one is dropped, as the wire format cannot carry it).
    ///
    /// - Parameter event: OpenAPIRuntime's event.
    public init(_ event: OpenAPIRuntime.ServerSentEvent) {
        self.init(
            id: event.id ?? "",
            event: event.event ?? "",
            data: event.data ?? "",
            retry: event.retry.flatMap { $0 >= 0 ? .milliseconds($0) : nil }
        )
    }

    /// The event an OpenAPIRuntime JSON event stands for, with its payload encoded as the data.
    ///
    /// - Parameters:
    ///   - event: OpenAPIRuntime's event; a `nil` payload becomes empty data.
    ///   - encoder: The encoder for the payload. Defaults to a plain `JSONEncoder`.
    /// - Throws: The encoder's error when the payload does not encode.
    public init<Payload: Encodable>(
        _ event: ServerSentEventWithJSONData<Payload>,
        encoder: JSONEncoder = JSONEncoder()
    ) throws {
        let data = try event.data.map { String(decoding: try encoder.encode($0), as: UTF8.self) } ?? ""
        self.init(OpenAPIRuntime.ServerSentEvent(id: event.id, event: event.event, data: data, retry: event.retry))
    }
}

extension OpenAPIRuntime.ServerSentEvent {
    /// OpenAPIRuntime's form of a received event: empty fields become `nil`.
    ///
    /// - Parameter event: The event, as `EventSource` delivers it.
    public init(_ event: MessageEvent) {
        self.init(
            id: event.id.isEmpty ? nil : event.id,
            event: event.event.isEmpty ? nil : event.event,
            data: event.data,
            retry: event.retry.map { Int64($0.components.seconds) * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 }
        )
    }
}
