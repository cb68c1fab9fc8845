#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A field value the decoder holds: a range of its input buffer for as long as that input is
/// kept, or bytes of its own once the input moves on or lines have to be joined.
///
/// Most values are single lines, so most fields are never copied at all.
struct FieldBytes: Sendable {
    private var start = 0
    private var end = 0
    private var isOwned = false
    private var owned = ByteBuffer()

    init() {}

    init(_ bytes: some Sequence<UInt8>) {
        owned = ByteBuffer(bytes)
        end = owned.count
        isOwned = true
    }

    /// Refers to the input bytes from `start` up to `end`.
    mutating func refer(from start: Int, to end: Int) {
        self.start = start
        self.end = end
        isOwned = false
    }

    mutating func removeAll() {
        refer(from: 0, to: 0)
    }

    /// Takes `other`'s value, sharing its input range or copying its own bytes.
    mutating func set(to other: FieldBytes) {
        guard other.isOwned else {
            refer(from: other.start, to: other.end)
            return
        }
        owned.removeAll()
        owned.append(other.owned.bytes(from: 0, to: other.end))
        start = 0
        end = owned.count
        isOwned = true
    }

    /// Copies the value out of the input (whose first byte is `inputBase`) so it survives the
    /// input being moved or discarded.
    mutating func keep(inputBase: UnsafePointer<UInt8>) {
        guard !isOwned else { return }
        owned.removeAll()
        owned.append(UnsafeBufferPointer(start: inputBase + start, count: end &- start))
        start = 0
        end = owned.count
        isOwned = true
    }

    /// Appends an LF and then `line` (the way `data:` lines join), copying the value out of the
    /// input first.
    mutating func appendLine(_ line: UnsafeBufferPointer<UInt8>, inputBase: UnsafePointer<UInt8>) {
        keep(inputBase: inputBase)
        owned.appendLine(line)
        end = owned.count
    }

    /// The value's bytes; valid until the decoder next changes.
    func bytes(in input: ByteBuffer) -> UnsafeBufferPointer<UInt8> {
        isOwned ? owned.bytes(from: 0, to: end) : input.bytes(from: start, to: end)
    }
}

/// The fields of the block being read, up to its blank line.
struct PendingBlock: Sendable {
    var data = FieldBytes()
    var eventType = FieldBytes()
    var id = FieldBytes()
    /// How many `data:` lines the block had.
    var dataLines = 0
    /// The bytes the data takes once joined, counting one LF per line.
    var dataSize = 0
    var hasID = false
    var retry: Duration?
    var hasFields = false

    mutating func reset() {
        data.removeAll()
        eventType.removeAll()
        id.removeAll()
        dataLines = 0
        dataSize = 0
        hasID = false
        retry = nil
        hasFields = false
    }

    /// Copies every value that still refers to the input whose first byte is `inputBase`.
    mutating func keep(inputBase: UnsafePointer<UInt8>) {
        data.keep(inputBase: inputBase)
        eventType.keep(inputBase: inputBase)
        id.keep(inputBase: inputBase)
    }
}

/// A `String` built from bytes, rebuilt only when the bytes change (event types repeat from
/// event to event, so this saves building the same string each time).
struct CachedString: Sendable {
    private var bytes = ByteBuffer()
    private(set) var string = ""

    /// The string for `value`, reusing the previous one when the bytes are the same.
    mutating func string(for value: UnsafeBufferPointer<UInt8>) -> String {
        if !bytes.bytes(from: 0, to: bytes.count).matches(value) {
            bytes.removeAll()
            bytes.append(value)
            string = String(decoding: value, as: UTF8.self)
        }
        return string
    }
}

/// The result of the last `memchr` for one byte: where it was found, or how far it was not.
///
/// The decoder keeps one for CR, so a stream with LF line ends has each byte searched for CR once.
struct ByteSearch: Sendable {
    private var found = -1
    private var searchedUpTo = 0

    /// The first position of `byte` at or after `start` and before `count`.
    @inline(__always)
    mutating func position(of byte: UInt8, from start: Int, in base: UnsafePointer<UInt8>, count: Int) -> Int? {
        if found >= start { return found }
        let from = max(start, searchedUpTo)
        guard from < count else { return nil }
        guard let hit = memchr(base + from, Int32(byte), count - from) else {
            searchedUpTo = count
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
    /// Whether these bytes equal `other`.
    func matches(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        count == other.count && (count == 0 || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }
}

extension UnsafePointer<UInt8> {
    /// The four bytes here as one number, for comparing field names without a loop.
    @inline(__always)
    func loadFourBytes() -> UInt32 {
        UnsafeRawPointer(self).loadUnaligned(as: UInt32.self)
    }

    /// The eight bytes from `offset` as one number whose lowest byte is the first one.
    @inline(__always)
    func loadWord(at offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(self + offset).loadUnaligned(as: UInt64.self))
    }
}

extension UInt32 {
    /// The number ``UnsafePointer/loadFourBytes()`` reads from these four ASCII characters.
    @inline(__always)
    static func fourBytes(_ a: Unicode.Scalar, _ b: Unicode.Scalar, _ c: Unicode.Scalar, _ d: Unicode.Scalar) -> UInt32 {
        let value = UInt32(a.value) | UInt32(b.value) << 8 | UInt32(c.value) << 16 | UInt32(d.value) << 24
        return UInt32(littleEndian: value)
    }
}

/// Eight bytes of the input and which of them may be line breaks, kept between lines so short
/// lines share one load; the decoder finds most line ends with it, without calling `memchr`.
struct LineBreakWord {
    /// How far a line is searched this way before `memchr` takes over.
    static let searchLength = 48

    /// Where the eight bytes start; far below any position while none are loaded.
    private var start = Int.min / 2
    /// One high bit per byte that may be CR or LF (every byte below 0x0E has one; see
    /// ``Swift/UInt64/controlByteBits``), cleared as the bytes are passed.
    private var bits: UInt64 = 0
    /// Whether the last line ``find(from:in:count:)`` found holds a byte below 0x0E other than
    /// its line break (a tab, a NUL...); `false` means it has none.
    private(set) var passedControlByte = false

    /// Looks for the first CR or LF at or after `position` (which never goes back between calls)
    /// within the next ``searchLength`` bytes, eight at a time while eight remain in the buffer.
    ///
    /// - Returns: Where the CR or LF is, or else where the search stopped without finding one.
    @inline(__always)
    mutating func find(from position: Int, in base: UnsafePointer<UInt8>, count: Int) -> (found: Bool, offset: Int) {
        if position >= start &+ 8 {
            guard position &+ 8 <= count else { return (false, position) }
            start = position
            bits = base.loadWord(at: position).controlByteBits
        } else {
            bits &= ~0 &<< (8 &* UInt64(truncatingIfNeeded: position &- start))
        }
        passedControlByte = false
        while true {
            while bits == 0 {
                let next = start &+ 8
                guard next &+ 8 <= min(position &+ Self.searchLength, count) else { return (false, next) }
                start = next
                bits = base.loadWord(at: next).controlByteBits
            }
            let candidate = start &+ bits.trailingZeroBitCount &>> 3
            if base[candidate] == .lf || base[candidate] == .cr { return (true, candidate) }
            bits &= bits &- 1  // a tab or another control byte: not a line break
            passedControlByte = true
        }
    }
}

extension UInt64 {
    /// For eight bytes loaded with ``UnsafePointer/loadWord(at:)``: the high bit of every byte
    /// below 0x0E (which includes CR and LF), plus at most a few spurious bits just above such
    /// bytes; whoever uses a bit checks the byte.
    @inline(__always)
    var controlByteBits: UInt64 {
        (self &- 0x0E0E_0E0E_0E0E_0E0E) & ~self & 0x8080_8080_8080_8080
    }

    /// Where a value starts in a line beginning with these bytes, whose colon ends at byte
    /// `colonEnd` (the index just after it): there, or one later when a space follows.
    @inline(__always)
    func valueStart(_ lineStart: Int, afterColonAt colonEnd: Int) -> Int {
        lineStart &+ colonEnd &+ (self &>> (8 &* UInt64(colonEnd)) & 0xFF == 0x20 ? 1 : 0)
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
