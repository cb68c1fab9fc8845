import SSERepositories

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one `NOTIFY` payload on a store's channel announces.
///
/// Formats (lengths are UTF-8 byte counts, fields follow one another without separators):
/// - `e SEQUENCE CHANNELLEN IDLEN TYPELEN CHANNEL ID TYPE DATA`: a stored event, whole;
/// - `r SEQUENCE CHANNELLEN IDLEN TYPELEN CHANNEL ID TYPE`: a stored event to read from the table;
/// - `b COUNT LEN... CHANNEL... BYTES`: encoded bytes published without a store.
enum NotificationPayload: Equatable {
    /// A stored event; `event` is `nil` when it must be read from the table.
    case stored(channel: String, sequence: Int, event: StoredEvent?)
    /// Bytes published to channels without a store.
    case bytes(channels: [String], bytes: [UInt8])

    /// The largest payload PostgreSQL's `NOTIFY` accepts, in bytes.
    static let limit = 7999

    /// Parses a payload; `nil` for one this library did not write.
    init?(_ payload: String) {
        let bytes = Array(payload.utf8)
        var position = 0
        func number() -> Int? {
            var value = 0
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: " ") {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]), value < Int.max / 10 else { return nil }
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            guard position > start, position < bytes.count else { return nil }
            position += 1
            return value
        }
        func text(_ length: Int) -> String? {
            guard length <= bytes.count - position else { return nil }
            defer { position += length }
            return String(decoding: bytes[position..<position + length], as: UTF8.self)
        }
        guard bytes.count > 2, bytes[1] == UInt8(ascii: " ") else { return nil }
        let kind = bytes[0]
        position = 2
        switch kind {
        case UInt8(ascii: "e"), UInt8(ascii: "r"):
            guard let sequence = number(), let channelLength = number(), let idLength = number(), let typeLength = number(),
                let channel = text(channelLength), let id = text(idLength), let type = text(typeLength)
            else { return nil }
            let event: StoredEvent? = kind == UInt8(ascii: "r") ? nil
                : StoredEvent(id: id, event: type, data: text(bytes.count - position) ?? "", sequence: sequence, time: Date())
            self = .stored(channel: channel, sequence: sequence, event: event)
        case UInt8(ascii: "b"):
            guard let count = number(), count > 0, count < bytes.count else { return nil }
            var lengths: [Int] = []
            for _ in 0..<count {
                guard let length = number() else { return nil }
                lengths.append(length)
            }
            var channels: [String] = []
            for length in lengths {
                guard let channel = text(length) else { return nil }
                channels.append(channel)
            }
            self = .bytes(channels: channels, bytes: Array(bytes[position...]))
        default:
            return nil
        }
    }

    /// The payload for bytes published without a store.
    static func encode(channels: [String], bytes: [UInt8]) -> String {
        var header = "b \(channels.count) "
        for channel in channels { header += "\(channel.utf8.count) " }
        for channel in channels { header += channel }
        return header + String(decoding: bytes, as: UTF8.self)
    }
}
