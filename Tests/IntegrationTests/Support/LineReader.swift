/// Reads text lines from a stream of byte chunks, such as a ``ChildProcess``'s output.
struct LineReader {
    private var chunks: AsyncStream<[UInt8]>.Iterator
    private var pending: [UInt8] = []

    /// Creates a reader.
    ///
    /// - Parameter chunks: The bytes, chunk by chunk.
    init(_ chunks: AsyncStream<[UInt8]>) {
        self.chunks = chunks.makeAsyncIterator()
    }

    /// The next line without its newline, or `nil` at the end of the stream.
    mutating func next() async -> String? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            guard let chunk = await chunks.next() else {
                defer { pending = [] }
                return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
            }
            pending += chunk
        }
    }

    /// Reads lines until one satisfies `condition`.
    ///
    /// - Parameter condition: What the wanted line looks like.
    /// - Returns: That line, or `nil` when the stream ends first.
    mutating func first(where condition: (String) -> Bool) async -> String? {
        while let line = await next() {
            if condition(line) { return line }
        }
        return nil
    }
}
