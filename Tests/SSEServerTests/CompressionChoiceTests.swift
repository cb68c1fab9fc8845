import CompressNIO
import NIOCore
import SSEGzip
import SSEProtocol
import SSEServer
import SSETesting
import SSETransport
import Testing

/// A compressor the server knows nothing about: raw zlib `deflate`, plugged in by configuration.
private final class DeflateCompressor: StreamCompressor {
    private let zlib: ZlibCompressor
    var contentEncoding: String { "deflate" }

    init() throws {
        zlib = try ZlibCompressor(algorithm: .zlib)
    }

    func compress(_ bytes: [UInt8]) throws -> [UInt8] { try deflate(bytes, flush: .sync) }
    func finish() throws -> [UInt8] { try deflate([], flush: .finish) }

    private func deflate(_ bytes: [UInt8], flush: CompressNIOFlush) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = ByteBuffer()
        output.reserveCapacity(zlib.maxSize(from: input) + 64)
        try zlib.deflate(from: &input, to: &output, flush: flush)
        return Array(output.readableBytesView)
    }
}

/// Inflates as much of a zlib stream as has arrived.
private func inflatePrefix(_ bytes: [UInt8]) -> String {
    guard let zlib = try? ZlibDecompressor(algorithm: .zlib) else { return "" }
    var input = ByteBuffer(bytes: bytes)
    var output = ByteBuffer()
    output.reserveCapacity(bytes.count * 64 + 4096)
    try? zlib.inflate(from: &input, to: &output)
    return String(buffer: output)
}

private let deflate = StreamCompression(contentEncoding: "deflate") { try DeflateCompressor() }

@Suite("Choosing a compression")
struct CompressionChoiceTests {
    @Test func aCompressorOfYourOwnPlugsInByConfiguration() async throws {
        let server = EventServer(configuration: .init(compression: [deflate]))
        defer { server.close() }
        let responder = await server.subscribeRecorder(headers: ["Accept-Encoding": "deflate"])
        #expect(responder.recording.head?.headers["Content-Encoding"] == "deflate")
        try server.publish(MessageEvent(id: "1", data: "squeezed"), to: ["time"])
        try await responder.waitUntil("the inflated event") { inflatePrefix($0.flushedBody) == "id: 1\ndata: squeezed\n\n" }
    }

    @Test func goGzipSwitchAddsAndRemovesGzip() {
        var configuration = EventServer.Configuration(compression: [deflate])
        #expect(!configuration.gzip)
        configuration.gzip = true
        #expect(configuration.compression.map(\.contentEncoding) == ["deflate", "gzip"])
        configuration.gzip = false
        #expect(configuration.compression.map(\.contentEncoding) == ["deflate"])
        #expect(EventServer.Configuration(gzip: true).compression.map(\.contentEncoding) == ["gzip"])
        #expect(EventServer.Configuration().compression.isEmpty)
    }

    @Test func clientsThatAcceptNothingOfferedGetPlainText() async throws {
        let server = EventServer(configuration: .init(compression: [deflate]))
        defer { server.close() }
        let responder = await server.subscribeRecorder(headers: ["Accept-Encoding": "gzip"])
        #expect(responder.recording.head?.headers["Content-Encoding"] == nil)
        try server.publish(MessageEvent(data: "plain"), to: ["time"])
        try await responder.waitUntil("the plain event") { $0.bodyText == "data: plain\n\n" }
    }
}
