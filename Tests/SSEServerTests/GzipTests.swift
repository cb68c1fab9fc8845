import CompressNIO
import NIOCore
import SSEProtocol
import SSEServer
import SSETransport
import Testing

@Suite("Gzip")
struct GzipTests {
    @Test func eachEventIsReadableTheMomentItArrives() async throws {
        try await withEventServer(.init(gzip: true)) { server, port in
            let client = try await RawConnection.get("/time", port: port, headers: ["Accept-Encoding": "gzip, deflate"])
            let head = try await client.head()
            #expect(head["Content-Encoding"] == "gzip")
            #expect(head["Vary"] == "Accept-Encoding")
            for index in 1...3 {
                try server.publish(MessageEvent(id: "\(index)", data: "event \(index)"), to: ["time"])
                let expected = (1...index).map { "id: \($0)\ndata: event \($0)\n\n" }.joined()
                _ = try await client.body("event \(index) decompressed") { body in
                    (try? gunzipPrefix(body)).map { String(decoding: $0, as: UTF8.self) } == expected
                }
            }
            await client.close()
        }
    }

    @Test func everyEventEndsOnASyncFlushEvenInABatch() async throws {
        try await withEventServer(.init(gzip: true)) { server, port in
            let client = try await RawConnection.get("/time", port: port, headers: ["Accept-Encoding": "gzip"])
            _ = try await client.head()
            for index in 1...5 { try server.publish(MessageEvent(data: "\(index)"), to: ["time"]) }
            let expected = (1...5).map { "data: \($0)\n\n" }.joined()
            let body = try await client.body("five events") { body in
                (try? gunzipPrefix(body)).map { String(decoding: $0, as: UTF8.self) } == expected
            }
            #expect(body.ranges(of: [0x00, 0x00, 0xFF, 0xFF]).count == 5)
            await client.close()
        }
    }

    @Test func endsWithACompleteGzipStream() async throws {
        try await withEventServer(.init(gzip: true)) { server, port in
            let client = try await RawConnection.get("/time", port: port, headers: ["Accept-Encoding": "gzip"])
            _ = try await client.head()
            try server.publish(MessageEvent(data: "bye"), to: ["time"])
            server.close()
            _ = try await client.wholeBody()
            let compressed = try await client.body("the body") { _ in true }
            let decompressor = try ZlibDecompressor(algorithm: .gzip)
            var input = ByteBuffer(bytes: compressed)
            var output = ByteBuffer()
            output.reserveCapacity(4096)
            try decompressor.inflate(from: &input, to: &output)
            #expect(String(buffer: output) == "data: bye\n\n")
        }
    }

    @Test func clientsThatDoNotAcceptGzipGetPlainText() async throws {
        try await withEventServer(.init(gzip: true)) { server, port in
            let plain = try await RawConnection.get("/time", port: port)
            let refusing = try await RawConnection.get("/time", port: port, headers: ["Accept-Encoding": "gzip;q=0, br"])
            #expect(try await plain.head()["Content-Encoding"] == nil)
            #expect(try await refusing.head()["Content-Encoding"] == nil)
            try server.publish(MessageEvent(data: "plain"), to: ["time"])
            #expect(try await plain.events(1).map(\.data) == ["plain"])
            #expect(try await refusing.events(1).map(\.data) == ["plain"])
            await plain.close()
            await refusing.close()
        }
    }
}

/// Decompresses as much of a (possibly unfinished) gzip stream as has arrived.
func gunzipPrefix(_ bytes: [UInt8]) throws -> [UInt8] {
    let decompressor = try ZlibDecompressor(algorithm: .gzip)
    var input = ByteBuffer(bytes: bytes)
    var output = ByteBuffer()
    output.reserveCapacity(bytes.count * 64 + 4096)
    do {
        try decompressor.inflate(from: &input, to: &output)
    } catch let error as CompressNIOError where error == .inputBufferOverflow {}
    return Array(output.readableBytesView)
}
