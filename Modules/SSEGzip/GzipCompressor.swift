import CompressNIO
import NIOCore
import SSETransport

/// A `StreamCompressor` that writes gzip through zlib, with a sync flush after each piece.
///
/// ```swift
/// let gzip = try GzipCompressor()
/// send(try gzip.compress(Array("data: hello\n\n".utf8)))   // decodable on arrival
/// send(try gzip.finish())
/// ```
public final class GzipCompressor: StreamCompressor {
    private let zlib: ZlibCompressor
    private var input = ByteBuffer()
    private var output = ByteBuffer()

    /// `gzip`.
    public var contentEncoding: String { "gzip" }

    /// Creates a compressor.
    ///
    /// - Parameter level: The zlib compression level, 1 (fastest) to 9 (smallest). Defaults to 6.
    /// - Throws: When zlib cannot allocate its state.
    public init(level: Int32 = 6) throws {
        zlib = try ZlibCompressor(
            algorithm: .gzip,
            configuration: ZlibConfiguration(windowSize: 15, compressionLevel: level, memoryLevel: 8)
        )
    }

    /// Compresses bytes and ends them on a sync flush point.
    ///
    /// - Parameter bytes: The uncompressed bytes.
    /// - Returns: The compressed bytes.
    /// - Throws: A `CompressNIOError` when zlib fails.
    public func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        try deflate(bytes, flush: .sync)
    }

    /// Ends the gzip stream.
    ///
    /// - Returns: The final deflate block and the gzip trailer.
    /// - Throws: A `CompressNIOError` when zlib fails.
    public func finish() throws -> [UInt8] {
        try deflate([], flush: .finish)
    }

    private func deflate(_ bytes: [UInt8], flush: CompressNIOFlush) throws -> [UInt8] {
        input.clear()
        input.writeBytes(bytes)
        output.clear()
        output.reserveCapacity(zlib.maxSize(from: input))
        while true {
            do {
                try zlib.deflate(from: &input, to: &output, flush: flush)
                break
            } catch let error as CompressNIOError where error == .bufferOverflow {
                if flush == .sync, input.readableBytes == 0 { break }
                output.reserveCapacity(minimumWritableBytes: max(64, output.capacity))
            }
        }
        return Array(output.readableBytesView)
    }
}
