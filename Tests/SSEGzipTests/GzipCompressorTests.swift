import CompressNIO
import NIOCore
import SSEGzip
import SSETransport
import Testing

@Suite("GzipCompressor")
struct GzipCompressorTests {
    @Test func everyCompressedPieceIsDecodableOnItsOwnArrival() throws {
        let gzip = try GzipCompressor()
        #expect(gzip.contentEncoding == "gzip")
        var stream: [UInt8] = []
        for piece in ["data: a\n\n", "data: b\n\n", String(repeating: "data: long\n\n", count: 1000)] {
            stream += try gzip.compress(Array(piece.utf8))
            #expect(String(decoding: try inflate(stream), as: UTF8.self).hasSuffix(piece))
        }
        stream += try gzip.finish()
        let decompressor = try ZlibDecompressor(algorithm: .gzip)
        var input = ByteBuffer(bytes: stream)
        var output = ByteBuffer()
        output.reserveCapacity(64 * 1024)
        try decompressor.inflate(from: &input, to: &output)
        #expect(output.readableBytes == 18 + 12 * 1000)
        #expect(input.readableBytes == 0)
    }

    /// Decompresses as much of an unfinished gzip stream as has arrived.
    private func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        let decompressor = try ZlibDecompressor(algorithm: .gzip)
        var input = ByteBuffer(bytes: bytes)
        var output = ByteBuffer()
        output.reserveCapacity(64 * 1024)
        do {
            try decompressor.inflate(from: &input, to: &output)
        } catch let error as CompressNIOError where error == .inputBufferOverflow {}
        return Array(output.readableBytesView)
    }
}
