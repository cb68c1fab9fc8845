import SSETransport

/// Which web origins may read an ``EventServer``'s streams, and how preflight requests are
/// answered.
///
/// ```swift
/// configuration.crossOrigin = .anyOrigin                               // Go's AllowCORS
/// configuration.crossOrigin = .origins(["https://app.example.com"])    // an allow-list
/// ```
public struct CrossOriginPolicy: Sendable, Hashable {
    private enum Rule: Sendable, Hashable {
        case disabled
        case any
        case list(Set<String>)
    }

    private let rule: Rule

    /// No CORS headers; `OPTIONS` requests get `405 Method Not Allowed`.
    public static let disabled = CrossOriginPolicy(rule: .disabled)

    /// Every origin: `Access-Control-Allow-Origin: *`.
    public static let anyOrigin = CrossOriginPolicy(rule: .any)

    /// Only the listed origins, each echoed back in `Access-Control-Allow-Origin` with
    /// `Vary: Origin`; other origins get no CORS headers (browsers then refuse the stream).
    ///
    /// - Parameter origins: Origins as browsers send them, for example `https://example.com`.
    /// - Returns: The policy.
    public static func origins(_ origins: [String]) -> CrossOriginPolicy {
        CrossOriginPolicy(rule: .list(Set(origins)))
    }

    var isEnabled: Bool { rule != .disabled }

    /// The CORS headers for a response to a request from `origin`.
    func headers(origin: String?) -> HTTPHeaderFields {
        var headers = HTTPHeaderFields()
        switch rule {
        case .disabled:
            break
        case .any:
            headers["Access-Control-Allow-Origin"] = "*"
        case .list(let allowed):
            headers["Vary"] = "Origin"
            if let origin, allowed.contains(origin) { headers["Access-Control-Allow-Origin"] = origin }
        }
        return headers
    }

    /// The answer to a preflight `OPTIONS` request.
    func preflight(_ request: HTTPServerRequest) -> HTTPServerResponse {
        guard isEnabled else { return .text(405, "Method OPTIONS not allowed") }
        var headers = headers(origin: request.headers["Origin"])
        headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        headers["Access-Control-Allow-Headers"] =
            request.headers["Access-Control-Request-Headers"] ?? "Last-Event-ID, Cache-Control"
        headers["Access-Control-Max-Age"] = "86400"
        return HTTPServerResponse(status: 204, headers: headers)
    }
}
