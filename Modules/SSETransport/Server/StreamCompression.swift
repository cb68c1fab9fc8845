/// A content coding a server may stream responses in: its `Content-Encoding` name and a way to
/// start a fresh ``StreamCompressor`` for each response.
///
/// A server is configured with the codings it may use, in order of preference, and picks one per
/// request with ``negotiate(_:acceptEncoding:)``. `SSEGzip` provides `StreamCompression.gzip`;
/// any other coding plugs in the same way:
///
/// ```swift
/// let deflate = StreamCompression(contentEncoding: "deflate") { try MyDeflateCompressor() }
/// ```
public struct StreamCompression: Sendable {
    /// The `Content-Encoding` token responses are sent with, lowercased (for example `gzip`).
    public let contentEncoding: String

    private let make: @Sendable () throws -> any StreamCompressor

    /// Creates a coding.
    ///
    /// - Parameters:
    ///   - contentEncoding: The `Content-Encoding` token; compared without regard to case.
    ///   - makeCompressor: Starts the compressor for one response. It must return a compressor
    ///     whose ``StreamCompressor/contentEncoding`` is `contentEncoding`.
    public init(contentEncoding: String, makeCompressor: @escaping @Sendable () throws -> any StreamCompressor) {
        self.contentEncoding = contentEncoding.lowercased()
        self.make = makeCompressor
    }

    /// Starts a compressor for one response.
    ///
    /// - Returns: A new compressor, used for that response only.
    /// - Throws: What the coding's factory throws (for example when zlib cannot allocate its state).
    public func makeCompressor() throws -> any StreamCompressor {
        try make()
    }

    /// Picks the coding for a response from the request's `Accept-Encoding` values.
    ///
    /// The client's quality values decide (`gzip;q=0` refuses gzip, `*` stands for any coding not
    /// named); among codings of equal quality the server's order decides. A request without
    /// `Accept-Encoding` gets no compression.
    ///
    /// - Parameters:
    ///   - offered: The codings the server may use, most preferred first.
    ///   - acceptEncoding: Every `Accept-Encoding` header value of the request.
    /// - Returns: The coding to use, or `nil` to send the body as it is.
    public static func negotiate(_ offered: [StreamCompression], acceptEncoding: [String]) -> StreamCompression? {
        guard !offered.isEmpty, !acceptEncoding.isEmpty else { return nil }
        var qualities: [String: Double] = [:]
        for item in acceptEncoding.joined(separator: ",").split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
            guard let coding = parts.first, !coding.isEmpty else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            qualities[coding] = max(0, min(quality, 1))
        }
        var best: (coding: StreamCompression, quality: Double)?
        for coding in offered {
            guard let quality = qualities[coding.contentEncoding] ?? qualities["*"], quality > 0 else { continue }
            if quality > best?.quality ?? 0 { best = (coding, quality) }
        }
        return best?.coding
    }
}
