#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol

extension EventSource {
    /// What a ``DecodedEvents`` sequence does with an event whose data does not decode.
    public enum UndecodableEventAction: Sendable, Hashable {
        /// Report it (``EventSourceError/undecodableEvent``, to the error handler or
        /// ``EventSource/errors``) and go on with the next event.
        case skip
        /// Report it, then close the stream: the sequence ends and
        /// ``EventSource/finalError`` holds the error.
        case close
    }

    /// The stream's events decoded from JSON: each event's data becomes a `Value`.
    ///
    /// ```swift
    /// struct Tick: Decodable, Sendable { var n: Int }
    /// for await tick in stream.decoded(as: Tick.self) { print(tick.n) }
    /// ```
    ///
    /// An event that does not decode is reported with its id and raw data as
    /// ``EventSourceError/undecodableEvent`` and, by default, skipped.
    ///
    /// - Parameters:
    ///   - type: The type each event's data decodes to.
    ///   - eventType: Decode only events of this type (`message` for events without an
    ///     `event:` field) and pass over the others silently. Defaults to `nil`: every event.
    ///   - decoder: The decoder, configured as the API needs (key and date strategies). Defaults
    ///     to a plain `JSONDecoder`.
    ///   - onFailure: What an undecodable event does. Defaults to ``UndecodableEventAction/skip``.
    /// - Returns: The sequence; it ends when the stream closes.
    public func decoded<Value: Decodable & Sendable>(
        as type: Value.Type = Value.self,
        eventType: String? = nil,
        decoder: JSONDecoder = JSONDecoder(),
        onFailure: UndecodableEventAction = .skip
    ) -> DecodedEvents<Value> {
        DecodedEvents(events: events, eventType: eventType, decoder: decoder, onFailure: onFailure)
    }

    /// The events of an ``EventSource`` decoded into values; made by
    /// ``EventSource/decoded(as:eventType:decoder:onFailure:)``.
    public struct DecodedEvents<Value: Decodable & Sendable>: AsyncSequence, Sendable {
        /// Each element is one event's decoded data.
        public typealias Element = Value
        /// Reading never throws; undecodable events are reported as errors.
        public typealias Failure = Never

        let events: Events
        let eventType: String?
        let decoder: JSONDecoder
        let onFailure: UndecodableEventAction

        /// Creates an iterator.
        public func makeAsyncIterator() -> Iterator {
            Iterator(base: events.makeAsyncIterator(), sequence: self)
        }

        /// Waits for the next event that decodes.
        public struct Iterator: AsyncIteratorProtocol {
            var base: Events.Iterator
            let sequence: DecodedEvents

            /// Returns the next decoded value, or `nil` once the stream is closed or the task
            /// cancelled.
            public mutating func next() async -> Value? {
                await next(isolation: nil)
            }

            /// Returns the next decoded value, or `nil` once the stream is closed or the task
            /// cancelled.
            ///
            /// - Parameter actor: The caller's isolation.
            public mutating func next(isolation actor: isolated (any Actor)?) async -> Value? {
                while let event = await base.next(isolation: actor) {
                    if let eventType = sequence.eventType, event.type != eventType { continue }
                    do {
                        return try sequence.decoder.decode(Value.self, from: Data(event.data.utf8))
                    } catch {
                        let control = base.lifetime.control
                        let failure = EventSourceError.undecodableEvent(event, error: error)
                        let closes = control.reportFromConsumer(failure) || sequence.onFailure == .close
                        if closes {
                            control.close(because: failure)
                            return nil
                        }
                    }
                }
                return nil
            }
        }
    }
}
