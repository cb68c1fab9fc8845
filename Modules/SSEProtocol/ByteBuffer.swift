/// The heap block behind a ``ByteBuffer``.
///
/// It is written only through a ``ByteBuffer`` that holds the sole reference to it (copy on
/// write), so sharing it between copies of a decoder is safe.
final class ByteStorage: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }
}

/// A growable run of bytes with value semantics whose contents are read through a plain
/// pointer, so the decoder's inner loop touches no closures, reference counts or bounds checks.
///
/// Emptying it keeps the storage; the next write copies the storage first only when another
/// copy of the buffer still shares it.
struct ByteBuffer: Sendable {
    private var storage: ByteStorage
    /// How many bytes the buffer holds.
    private(set) var count = 0

    init(capacity: Int = 16) {
        storage = ByteStorage(capacity: capacity)
    }

    init(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        self.init(capacity: array.count)
        array.withUnsafeBufferPointer { append($0) }
    }

    /// The first byte; valid until the buffer is next changed.
    var base: UnsafePointer<UInt8> { UnsafePointer(storage.base) }

    /// The bytes from `start` up to `end`; valid until the buffer is next changed.
    func bytes(from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: end - start)
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (storage.base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends an LF and then `line`, reserving room once.
    mutating func appendLine(_ line: UnsafeBufferPointer<UInt8>) {
        reserve(1 &+ line.count)
        storage.base[count] = 0x0A
        if let source = line.baseAddress { (storage.base + (count &+ 1)).update(from: source, count: line.count) }
        count &+= 1 &+ line.count
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage.base[count] = byte
        count += 1
    }

    /// Appends bytes that cannot be borrowed contiguously, one at a time.
    mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        reserve(bytes.underestimatedCount)
        for byte in bytes { append(byte) }
    }

    /// Lets `fill` write up to `maximumCount` bytes straight after the current ones, and keeps
    /// as many as it says it wrote.
    mutating func append<Failure: Error>(
        upTo maximumCount: Int,
        from fill: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int
    ) throws(Failure) -> Int {
        reserve(maximumCount)
        let written = try fill(UnsafeMutableRawBufferPointer(start: storage.base + count, count: maximumCount))
        precondition((0...maximumCount).contains(written), "wrote \(written) bytes into room for \(maximumCount)")
        count += written
        return written
    }

    mutating func removeAll() {
        count = 0
    }

    /// Drops the first `prefix` bytes, moving the rest to the front.
    mutating func removeFirst(_ prefix: Int) {
        reserve(0)
        let remaining = count - prefix
        if remaining > 0 { storage.base.update(from: storage.base + prefix, count: remaining) }
        count = remaining
    }

    /// Makes the storage unshared and large enough for `extra` more bytes.
    private mutating func reserve(_ extra: Int) {
        let needed = count + extra
        let unique = isKnownUniquelyReferenced(&storage)
        guard !unique || needed > storage.capacity else { return }
        let capacity = needed > storage.capacity ? Swift.max(needed, storage.capacity * 2) : storage.capacity
        let grown = ByteStorage(capacity: capacity)
        grown.base.update(from: storage.base, count: count)
        storage = grown
    }
}
