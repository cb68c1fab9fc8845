import SSETransport

extension StreamCompression {
    /// gzip through zlib at the default level (6), with a sync flush after every piece.
    public static let gzip = StreamCompression.gzip(level: 6)

    /// gzip through zlib at a chosen level, with a sync flush after every piece.
    ///
    /// - Parameter level: The zlib compression level, 1 (fastest) to 9 (smallest).
    /// - Returns: A coding that starts a ``GzipCompressor`` per response.
    public static func gzip(level: Int32) -> StreamCompression {
        StreamCompression(contentEncoding: "gzip") { try GzipCompressor(level: level) }
    }
}
