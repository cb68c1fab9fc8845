// FoundationEssentials has JSONDecoder without the rest of Foundation (ICU and all), which keeps
// `sse` small and quick to start.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SSEProtocol

/// The one-JSON-object-per-line format that `sse decode` and `sse listen --json` print and
/// `sse encode` and `sse serve` read.
///
/// - An event: `{"id":LAST_EVENT_ID,"event":TYPE,"data":DATA}` (TYPE is `message` when the block
///   had no `event:` field; `id` is the stream's last event ID, `""` when none).
/// - A retry field: `{"retry":MILLISECONDS}`.
/// - A comment: `{"comment":TEXT}`.
package enum EventJSON {
    /// Appends the JSON line for one decoder output.
    package static func append(_ output: EventStreamDecoder.Output, to buffer: inout OutputBuffer) {
        switch output {
        case .event(let event):
            buffer.append(#"{"id":"#)
            appendString(event.lastEventID, to: &buffer)
            buffer.append(#","event":"#)
            appendString(event.type, to: &buffer)
            buffer.append(#","data":"#)
            appendString(event.data, to: &buffer)
            buffer.append("}\n")
        case .retry(let retry):
            let (seconds, attoseconds) = retry.components
            buffer.append(#"{"retry":\#(seconds * 1000 + attoseconds / 1_000_000_000_000_000)}"# + "\n")
        case .comment(let text):
            buffer.append(#"{"comment":"#)
            appendString(text, to: &buffer)
            buffer.append("}\n")
        }
    }

    /// Appends `text` as a JSON string literal; non-ASCII characters are written as UTF-8.
    package static func appendString(_ text: String, to buffer: inout OutputBuffer) {
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(#"\""#)
            case UInt8(ascii: "\\"): buffer.append(#"\\"#)
            case 0x0A: buffer.append(#"\n"#)
            case 0x0D: buffer.append(#"\r"#)
            case 0x09: buffer.append(#"\t"#)
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// One input line of `sse encode` / `sse serve`.
    struct Line: Decodable {
        var id: String?
        var event: String?
        var data: String?
        var retry: Int?
        var comment: String?
    }

    /// What an input line asks for.
    package enum Item {
        case event(MessageEvent, retry: Duration?)
        case comment(String)
        case retry(Duration)
    }

    /// Parses one input line.
    ///
    /// - Throws: A ``ToolError`` saying what is wrong with the line.
    package static func parse(_ line: Substring) throws -> Item {
        let decoded: Line
        do {
            decoded = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
        } catch {
            throw ToolError("not a JSON object with string fields id, event, data, comment and integer retry")
        }
        if let retry = decoded.retry, retry < 0 { throw ToolError("retry must not be negative") }
        let retry = decoded.retry.map { Duration.milliseconds($0) }
        if let comment = decoded.comment {
            guard decoded.data == nil, decoded.id == nil, decoded.event == nil else {
                throw ToolError("a comment line cannot also carry id, event or data")
            }
            return .comment(comment)
        }
        guard decoded.data != nil || decoded.id != nil || decoded.event != nil else {
            guard let retry else { throw ToolError("the object has none of id, event, data, retry, comment") }
            return .retry(retry)
        }
        let event = MessageEvent(id: decoded.id ?? "", event: decoded.event ?? "", data: decoded.data ?? "")
        return .event(event, retry: retry)
    }
}
