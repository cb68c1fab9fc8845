import SSEProtocol

/// A response body as an asynchronous sequence of byte chunks, whatever produced it.
///
/// The body can be iterated once; a second iterator ends at once. Dropping the iterator before
/// the end tells the producer to stop (a network transport closes the connection).
public struct ClientResponseBody: AsyncSequence, Sendable {
    /// One chunk of bytes, as it arrived.
    public typealias Element = [UInt8]

    private let source: Source

    /// Creates a body that reads chunks from any sendable asynchronous sequence.
    ///
    /// - Parameter chunks: The sequence that produces the body's chunks.
    public init<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks)
    where Chunks.Element == [UInt8], Chunks.AsyncIterator: SendableMetatype {
        let pending = LockedState<Chunks?>(chunks)
        self.source = Source {
            guard let chunks = pending.withLock({ $0.take() }) else { return { nil } }
            let iterator = IteratorBox(chunks.makeAsyncIterator())
            return { try await iterator.next() }
        }
    }

    /// Creates a body that delivers fixed chunks and then ends.
    ///
    /// - Parameter chunks: The chunks, in order.
    public init(chunks: [[UInt8]]) {
        self.init(FixedChunks(chunks: chunks))
    }

    /// Creates an iterator; only the first one produces chunks.
    public func makeAsyncIterator() -> Iterator {
        Iterator(produce: source.makeNext())
    }

    /// Reads the chunks of a ``ClientResponseBody``.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let produce: @Sendable () async throws -> [UInt8]?

        /// Returns the next chunk, or `nil` at the end of the body.
        ///
        /// - Throws: Whatever the producer throws, for example a connection error.
        public mutating func next() async throws -> [UInt8]? {
            try await produce()
        }
    }

    private struct Source: Sendable {
        let makeNext: @Sendable () -> @Sendable () async throws -> [UInt8]?
    }
}

/// Holds the one iterator of a body; the body's consumer calls it from one task at a time.
private final class IteratorBox<Base: AsyncIteratorProtocol>: @unchecked Sendable where Base.Element == [UInt8] {
    private var base: Base

    init(_ base: Base) {
        self.base = base
    }

    func next() async throws -> [UInt8]? {
        try await base.next()
    }
}

private struct FixedChunks: AsyncSequence, Sendable {
    let chunks: [[UInt8]]

    func makeAsyncIterator() -> Iterator {
        Iterator(chunks: chunks[...])
    }

    struct Iterator: AsyncIteratorProtocol {
        var chunks: ArraySlice<[UInt8]>

        mutating func next() async throws -> [UInt8]? {
            chunks.popFirst()
        }
    }
}
