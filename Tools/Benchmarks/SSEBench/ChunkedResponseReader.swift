/// Reads an HTTP/1.1 response with a chunked body from raw bytes, as they arrive in any pieces:
/// skips the head, undoes the chunked framing, and hands on the body's bytes. The benchmarks'
/// subscribers use it instead of a full HTTP client, which would cost more than what they
/// measure.
struct ChunkedResponseReader {
    private enum Framing {
        case head(matched: Int)
        case chunkSize(Int)
        case chunkSizeLineEnd(Int)
        case chunkData(remaining: Int)
        case chunkDataEnd(skip: Int)
    }

    private var framing = Framing.head(matched: 0)

    /// Reads the next bytes of the response.
    ///
    /// - Parameters:
    ///   - bytes: The bytes that arrived.
    ///   - headEnded: Called once, when the response head has been read.
    ///   - body: Called with each run of body bytes, in order.
    mutating func read(
        _ bytes: UnsafeRawBufferPointer,
        headEnded: () -> Void,
        body: (UnsafeRawBufferPointer) -> Void
    ) {
        var index = 0
        while index < bytes.count {
            index = consume(bytes, from: index, headEnded: headEnded, body: body)
        }
    }

    /// Consumes bytes from `index` in the current framing state; returns the next index.
    private mutating func consume(
        _ bytes: UnsafeRawBufferPointer,
        from index: Int,
        headEnded: () -> Void,
        body: (UnsafeRawBufferPointer) -> Void
    ) -> Int {
        switch framing {
        case .head(let matched):
            let terminator: [UInt8] = [13, 10, 13, 10]
            var matched = matched
            var index = index
            while index < bytes.count {
                matched = bytes[index] == terminator[matched] ? matched + 1 : (bytes[index] == 13 ? 1 : 0)
                index += 1
                if matched == 4 {
                    framing = .chunkSize(0)
                    headEnded()
                    return index
                }
            }
            framing = .head(matched: matched)
            return index
        case .chunkSize(let size):
            let byte = bytes[index]
            if byte == 13 {
                framing = .chunkSizeLineEnd(size)
            } else if let digit = Self.hexValue(byte) {
                framing = .chunkSize(size * 16 + digit)
            }
            return index + 1
        case .chunkSizeLineEnd(let size):
            framing = size == 0 ? .chunkDataEnd(skip: 2) : .chunkData(remaining: size)
            return index + 1
        case .chunkData(let remaining):
            let end = min(bytes.count, index + remaining)
            body(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
            let left = remaining - (end - index)
            framing = left == 0 ? .chunkDataEnd(skip: 2) : .chunkData(remaining: left)
            return end
        case .chunkDataEnd(let skip):
            framing = skip == 1 ? .chunkSize(0) : .chunkDataEnd(skip: skip - 1)
            return index + 1
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 97...102: Int(byte - 87)
        case 65...70: Int(byte - 55)
        default: nil
        }
    }
}
