/// How a route takes a request, decided from its method as soon as the request head arrives,
/// before any body byte is read.
///
/// ```swift
/// func admission(method: String) -> HTTPRequestAdmission {
///     method == "POST" ? .withBody : .methodNotAllowed(allowed: ["POST"])
/// }
/// ```
public struct HTTPRequestAdmission: Sendable, Hashable {
    /// What the admission says; read by server implementations in this package.
    package enum Kind: Sendable, Hashable {
        case withoutBody
        case withBody
        case refused(HTTPServerResponse)
    }

    package let kind: Kind

    /// Whether the handler reads a request body; `false` for ``withoutBody`` and refusals. A
    /// server implementation refuses or discards a body the handler does not read.
    public var takesBody: Bool { kind == .withBody }

    /// The response a server implementation sends at once, without calling the handler or
    /// reading the body; `nil` when the handler takes the request.
    public var refusal: HTTPServerResponse? {
        if case .refused(let response) = kind { return response }
        return nil
    }

    /// The handler takes the request without a body. A request that carries one is answered at
    /// once with `413` and `Connection: close`, and its body is never buffered.
    public static let withoutBody = HTTPRequestAdmission(kind: .withoutBody)

    /// The handler takes the request and its body, up to the server's largest request body;
    /// a larger body is answered with `413` as soon as it is known to be too large.
    public static let withBody = HTTPRequestAdmission(kind: .withBody)

    /// The request is answered with `response` at once; its body is never buffered.
    ///
    /// - Parameter response: The answer, for example a `405`.
    /// - Returns: The admission.
    public static func refused(_ response: HTTPServerResponse) -> HTTPRequestAdmission {
        HTTPRequestAdmission(kind: .refused(response))
    }

    /// The request is answered at once with `405 Method Not Allowed` and an `Allow` header.
    ///
    /// - Parameter allowed: The methods the route takes, for example `["GET", "OPTIONS"]`.
    /// - Returns: The admission.
    public static func methodNotAllowed(allowed: [String]) -> HTTPRequestAdmission {
        var response = HTTPServerResponse.text(405, "Method not allowed; allowed: \(allowed.joined(separator: ", "))")
        response.head.headers["Allow"] = allowed.joined(separator: ", ")
        return .refused(response)
    }

    /// What ``HTTPServerHandler/admission(method:)`` returns by default: no body for `GET`,
    /// `HEAD`, `DELETE`, `OPTIONS`, `TRACE` and `CONNECT` (methods whose body has no defined
    /// meaning), a body for every other method.
    ///
    /// - Parameter method: The request method.
    /// - Returns: The admission.
    public static func byMethod(_ method: String) -> HTTPRequestAdmission {
        switch method {
        case "GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT": .withoutBody
        default: .withBody
        }
    }
}
