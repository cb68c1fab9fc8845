#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects output bytes and writes them to a file descriptor in as few system calls as possible.
struct OutputBuffer {
    private let descriptor: Int32
    private(set) var bytes: [UInt8] = []

    init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        bytes.reserveCapacity(1 << 16)
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func append(contentsOf other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    /// Writes everything collected so far.
    mutating func flush() {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    var output = OutputBuffer(descriptor: STDERR_FILENO)
    output.append("sse: \(message)\n")
    output.flush()
}

/// Reads a file, or standard input when no path is given, in chunks as the bytes arrive.
struct ChunkReader {
    private let descriptor: Int32
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens `path`, or standard input when it is `nil` or `-`.
    ///
    /// - Throws: A ``ToolError`` naming the file when it cannot be opened.
    init(path: String?) throws {
        guard let path, path != "-" else {
            descriptor = STDIN_FILENO
            return
        }
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ToolError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the next chunk and hands it to `body`; returns `false` at the end of input.
    ///
    /// - Throws: A ``ToolError`` on a read error, or what `body` throws.
    mutating func nextChunk(_ body: (ArraySlice<UInt8>) throws -> Void) throws -> Bool {
        let descriptor = descriptor
        let count = chunk.withUnsafeMutableBytes { raw -> Int in
            while true {
                let count = read(descriptor, raw.baseAddress!, raw.count)
                if count < 0, errno == EINTR { continue }
                return count
            }
        }
        if count < 0 { throw ToolError("read failed: \(String(cString: strerror(errno)))") }
        guard count > 0 else { return false }
        try body(chunk[..<count])
        return true
    }
}

/// A failure the tool reports as one line on standard error before exiting non-zero.
struct ToolError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
