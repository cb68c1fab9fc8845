#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of an ``EventBatch``'s events: a growable run of bytes that takes an event's fields
/// in one step.
///
/// An array appended to field by field checks its uniqueness and capacity, and calls the generic
/// copy, once per field; events are a few dozen bytes, so that overhead cost more than the
/// copying. Here the storage is grown ahead (zero-filled once, then reused after
/// ``removeAll()``), and an event's fields are copied with one uniqueness check.
struct PayloadBytes: Sendable {
    /// Initialized storage; the bytes in use are the first ``count``.
    private var storage: [UInt8] = []
    /// How many bytes are in use.
    private(set) var count = 0

    /// Adds the bytes of the four parts at the end, in order.
    ///
    /// - Returns: Where the first part starts.
    @discardableResult
    mutating func append(
        _ first: UnsafeBufferPointer<UInt8>,
        _ second: UnsafeBufferPointer<UInt8>,
        _ third: UnsafeBufferPointer<UInt8>,
        _ fourth: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)
    ) -> Int {
        let start = count
        let end = start &+ first.count &+ second.count &+ third.count &+ fourth.count
        reserve(end)
        storage.withUnsafeMutableBufferPointer { buffer in
            var target = buffer.baseAddress.unsafelyUnwrapped + start
            func copy(_ part: UnsafeBufferPointer<UInt8>) {
                guard let source = part.baseAddress, part.count > 0 else { return }
                target.update(from: source, count: part.count)
                target += part.count
            }
            copy(first)
            copy(second)
            copy(third)
            copy(fourth)
        }
        count = end
        return start
    }

    /// Adds a copy of `range` of `other` at the end.
    mutating func append(_ other: PayloadBytes, range: Range<Int>) {
        precondition(range.upperBound <= other.count, "range beyond the bytes in use")
        guard !range.isEmpty else { return }
        let start = count
        reserve(start &+ range.count)
        other.storage.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { buffer in
                (buffer.baseAddress.unsafelyUnwrapped + start)
                    .update(from: source.baseAddress.unsafelyUnwrapped + range.lowerBound, count: range.count)
            }
        }
        count = start &+ range.count
    }

    /// Removes the first `k` bytes in use, moving the rest to the front.
    mutating func removeFirst(_ k: Int) {
        precondition(k <= count, "removing more bytes than are in use")
        let rest = count &- k
        count = rest
        guard rest > 0, k > 0 else { return }
        storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress.unsafelyUnwrapped
            base.update(from: base + k, count: rest)
        }
    }

    /// How many bytes the storage holds, in use or not.
    var capacity: Int { storage.count }

    /// Removes every byte, keeping the storage.
    mutating func removeAll() {
        count = 0
    }

    /// Calls `body` with the bytes in use.
    func withUnsafeBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[..<count])) }
    }

    /// Makes the storage hold at least `capacity` bytes, at least doubling it when it grows.
    ///
    /// The new storage is filled with two bulk copies (the bytes in use, then zeros), never byte by
    /// byte: an event may be 32 MiB, and a generic per-element fill costs seconds in a debug build.
    private mutating func reserve(_ capacity: Int) {
        guard capacity > storage.count else { return }
        let newCapacity = max(capacity, storage.count &* 2, 256)
        let used = count
        storage = storage.withUnsafeBufferPointer { old in
            [UInt8](unsafeUninitializedCapacity: newCapacity) { buffer, initialized in
                let base = UnsafeMutableRawPointer(buffer.baseAddress.unsafelyUnwrapped)
                if used > 0 { base.copyMemory(from: old.baseAddress.unsafelyUnwrapped, byteCount: used) }
                memset(base + used, 0, newCapacity &- used)
                initialized = newCapacity
            }
        }
    }
}
