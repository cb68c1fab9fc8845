#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The body of `POST /`: the stream the harness wants.
struct StreamOptions: Decodable, Sendable {
    var streamUrl: String
    var callbackUrl: String
    var tag: String?
    var initialDelayMs: Int?
    var readTimeoutMs: Int?
    var lastEventId: String?
    var headers: [String: String]?
    var method: String?
    var body: String?
}

/// The body of `POST <stream URL>`.
struct StreamCommand: Decodable, Sendable {
    var command: String
}

/// What the service reports to the harness's callback URL, one POST each.
enum CallbackMessage: Encodable, Sendable {
    case event(type: String, data: String, id: String)
    case comment(String)
    case error(String)

    private enum Keys: String, CodingKey {
        case kind, event, comment, error
    }

    private struct Event: Encodable {
        var type: String
        var data: String
        var id: String
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .event(let type, let data, let id):
            try container.encode("event", forKey: .kind)
            try container.encode(Event(type: type, data: data, id: id), forKey: .event)
        case .comment(let text):
            try container.encode("comment", forKey: .kind)
            try container.encode(text, forKey: .comment)
        case .error(let text):
            try container.encode("error", forKey: .kind)
            try container.encode(text, forKey: .error)
        }
    }
}

/// The answer to `GET /`.
struct Capabilities: Encodable, Sendable {
    var capabilities = [
        "comments", "headers", "last-event-id", "post", "report", "read-timeout", "restart", "bom",
        "server-directed-shutdown-request",
    ]
}
