import Foundation
import SSEAsyncHTTPClient
import SSETransport

/// Sends `POST` requests to `sse serve`'s publish endpoint.
enum Publishing {
    /// Posts a body and returns the response status.
    ///
    /// - Parameters:
    ///   - body: The request body.
    ///   - url: The channel's URL.
    ///   - token: The bearer token to send, or `nil` for none.
    /// - Returns: The status code.
    static func post(_ body: String, to url: String, token: String?) async throws -> Int {
        var headers = HTTPHeaderFields()
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let request = ClientRequest(url: URL(string: url)!, method: "POST", headers: headers, body: Array(body.utf8))
        let response = try await AsyncHTTPClientTransport.shared.send(request)
        for try await _ in response.body {}
        return response.status
    }
}
