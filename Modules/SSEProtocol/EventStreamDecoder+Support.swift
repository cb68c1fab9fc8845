#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of the block being read, up to its blank line, kept as bytes.
struct PendingBlock: Sendable {
    var data = ByteField()
    var eventType = ByteField()
    var id = ByteField()
    var hasID = false
    var retry: Duration?
    var hasFields = false
    /// The spec's "last event ID buffer": set by `id:`, committed at dispatch, kept across blocks.
    var lastEventID: ByteField
    /// Whether an `id:` changed ``lastEventID`` since the last dispatch.
    var lastEventIDChanged = false

    init(lastEventID: ByteField) {
        self.lastEventID = lastEventID
    }

    mutating func reset() {
        data.removeAll()
        eventType.removeAll()
        id.removeAll()
        hasID = false
        retry = nil
        hasFields = false
    }
}

/// A growable run of bytes that is emptied without freeing or re-checking its storage, so the
/// per-event work of the decoder is a `memcpy` per field.
struct ByteField: Sendable {
    private var storage: [UInt8] = []
    private(set) var count = 0

    init() {}

    init(_ bytes: some Sequence<UInt8>) {
        storage = Array(bytes)
        count = storage.count
    }

    var isEmpty: Bool { count == 0 }

    mutating func removeAll() {
        count = 0
    }

    mutating func removeLast() {
        count -= 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        guard let source = bytes.baseAddress else { return }
        let offset = count
        storage.withUnsafeMutableBufferPointer { target in
            (target.baseAddress! + offset).update(from: source, count: bytes.count)
        }
        count += bytes.count
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    /// Replaces the contents with `other`'s bytes (a copy, never shared storage).
    mutating func set(to other: ByteField) {
        removeAll()
        other.withBytes { append($0) }
    }

    mutating func set(to bytes: UnsafeBufferPointer<UInt8>) {
        removeAll()
        append(bytes)
    }

    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBufferPointer { try body($0.span(from: 0, to: count)) }
    }

    private mutating func reserve(_ extra: Int) {
        let needed = count + extra
        if needed > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(needed, storage.count * 2) - storage.count))
        }
    }
}

/// A `String` built from bytes, rebuilt only when the bytes change (event types repeat from
/// event to event, so this saves building the same string each time).
struct CachedString: Sendable {
    private var bytes = ByteField()
    private(set) var string = ""

    /// The string for `value`, reusing the previous one when the bytes are the same.
    mutating func string(for value: UnsafeBufferPointer<UInt8>) -> String {
        if !bytes.withBytes({ $0.matches(value) }) {
            bytes.set(to: value)
            string = String(decoding: value, as: UTF8.self)
        }
        return string
    }
}

/// The field names the decoder acts on; anything else is ignored.
enum FieldName {
    case data, event, id, retry

    init?(_ name: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 2 where name.matches("id"): self = .id
        case 4 where name.matches("data"): self = .data
        case 5 where name.matches("event"): self = .event
        case 5 where name.matches("retry"): self = .retry
        default: return nil
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes from `start` up to `end`, without the generic slicing machinery.
    @inline(__always)
    func span(from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: baseAddress.map { $0 + start }, count: end - start)
    }

    /// Whether these bytes equal `text`'s bytes.
    func matches(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, text.utf8Start, count) == 0)
    }

    /// Whether these bytes equal `other`.
    func matches(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        count == other.count && (count == 0 || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }
}

/// Remembers where the next CR and LF are, so each byte of the buffer is searched at most once.
struct LineEndCache: Sendable {
    var lf = ByteSearch()
    var cr = ByteSearch()

    mutating func shift(by offset: Int) {
        lf.shift(by: offset)
        cr.shift(by: offset)
    }
}

/// The result of the last `memchr` for one byte: where it was found, or how far it was not.
struct ByteSearch: Sendable {
    private var found = -1
    private var searchedUpTo = 0

    /// The first position of `byte` at or after `start`, searching each byte of the buffer once.
    mutating func position(of byte: UInt8, from start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if found >= start { return found }
        let from = max(start, searchedUpTo)
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), bytes.count - from) else {
            searchedUpTo = bytes.count
            found = -1
            return nil
        }
        found = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
        return found
    }

    mutating func shift(by offset: Int) {
        found = found >= offset ? found - offset : -1
        searchedUpTo = max(0, searchedUpTo - offset)
    }
}

extension UnsafeBufferPointer<UInt8> {
    func firstIndex(ofByte byte: UInt8) -> Int? {
        guard let base = baseAddress, count > 0, let hit = memchr(base, Int32(byte), count) else { return nil }
        return UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
    }
}

extension Int64 {
    /// Parses a non-empty run of ASCII digits; `nil` for anything else or on overflow.
    init?(asciiDigits bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - 0x30))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        self = value
    }
}
