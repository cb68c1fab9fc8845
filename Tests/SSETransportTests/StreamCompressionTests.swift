import SSETransport
import Testing

/// A compressor that only names itself; negotiation never calls it.
private final class NamedCompressor: StreamCompressor {
    let contentEncoding: String
    init(_ name: String) { contentEncoding = name }
    func compress(_ bytes: [UInt8]) throws -> [UInt8] { bytes }
    func finish() throws -> [UInt8] { [] }
}

private func coding(_ name: String) -> StreamCompression {
    StreamCompression(contentEncoding: name) { NamedCompressor(name) }
}

@Suite("StreamCompression")
struct StreamCompressionTests {
    private let offered = [coding("gzip"), coding("deflate")]

    @Test(arguments: [
        ("gzip, deflate", "gzip"),
        ("deflate, gzip", "gzip"),
        ("gzip;q=0.5, deflate", "deflate"),
        ("GZIP;q=0, *", "deflate"),
        ("gzip ; q=0.2, deflate;q=0.1", "gzip"),
        ("*", "gzip"),
        ("br, identity", nil),
        ("gzip;q=0, deflate;q=0", nil),
        ("*;q=0", nil),
    ] as [(String, String?)])
    func theClientsQualityValuesDecideAndTheServersOrderBreaksTies(acceptEncoding: String, chosen: String?) {
        #expect(StreamCompression.negotiate(offered, acceptEncoding: [acceptEncoding])?.contentEncoding == chosen)
    }

    @Test func severalHeaderLinesCountAsOneList() {
        #expect(StreamCompression.negotiate(offered, acceptEncoding: ["br", "deflate"])?.contentEncoding == "deflate")
    }

    @Test func nothingOfferedOrNothingAskedMeansNoCompression() {
        #expect(StreamCompression.negotiate(offered, acceptEncoding: []) == nil)
        #expect(StreamCompression.negotiate([], acceptEncoding: ["*"]) == nil)
    }

    @Test func namesCompareWithoutRegardToCase() throws {
        let upper = coding("GZip")
        #expect(upper.contentEncoding == "gzip")
        #expect(StreamCompression.negotiate([upper], acceptEncoding: ["gzip"]) != nil)
        #expect(try upper.makeCompressor().contentEncoding == "GZip")
    }
}
