#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects output bytes and writes them to a file descriptor in as few system calls as possible.
package struct OutputBuffer {
    private let descriptor: Int32
    package private(set) var bytes: [UInt8] = []

    package init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        bytes.reserveCapacity(1 << 16)
    }

    package mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    package mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    package mutating func append(contentsOf other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    /// Writes everything collected so far.
    package mutating func flush() {
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
package func printError(_ message: String) {
    var output = OutputBuffer(descriptor: STDERR_FILENO)
    output.append("sse: \(message)\n")
    output.flush()
}

/// Reads a file, or standard input when no path is given, in chunks as the bytes arrive.
package struct ChunkReader {
    private let descriptor: Int32

    /// Opens `path`, or standard input when it is `nil` or `-`.
    ///
    /// - Throws: A ``ToolError`` naming the file when it cannot be opened.
    package init(path: String?) throws {
        guard let path, path != "-" else {
            descriptor = STDIN_FILENO
            return
        }
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ToolError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the next bytes into `buffer`, waiting until some arrive.
    ///
    /// - Returns: How many bytes were read; 0 at the end of input.
    /// - Throws: A ``ToolError`` on a read error.
    package func readChunk(into buffer: UnsafeMutableRawBufferPointer) throws(ToolError) -> Int {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw ToolError("read failed: \(String(cString: strerror(errno)))") }
        }
    }
}

/// A failure the tool reports as one line on standard error before exiting non-zero.
package struct ToolError: Error, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
