#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The decoder's inner loop: finding lines and acting on their fields, all on raw bytes.
extension EventStreamDecoder {
    /// What ``advance()`` found; an event's fields wait in `block` until the next call.
    enum Found {
        case event
        case comment(start: Int, end: Int)
        case retry(Duration)
    }

    /// Reads lines until one produces something, or until the available input runs out.
    mutating func advance() throws(EventStreamError) -> Found? {
        guard readyToScan() else { return nil }
        if !failed, let found = try scanLines(returningFirst: true, delivering: { _, _ in true }) { return found }
        return try endOfAvailableInput()
    }

    /// Hands every output the available input holds to `body`, staying in the inner loop, until
    /// `body` returns `false`; the input after that output stays for the next call.
    ///
    /// - Parameter body: Receives the decoder, positioned just after the output, and what was
    ///   found; it builds the output from the decoder's state (an event's fields are valid until
    ///   it returns).
    /// - Returns: `false` when `body` stopped the loop.
    mutating func deliverAll(to body: (inout EventStreamDecoder, Found) -> Bool) throws(EventStreamError) -> Bool {
        guard readyToScan() else { return true }
        if !failed, try scanLines(returningFirst: false, delivering: body) != nil { return false }
        _ = try endOfAvailableInput()
        return true
    }

    /// Forgets the block handed out last; `false` while a possible byte order mark is undecided.
    private mutating func readyToScan() -> Bool {
        if blockDispatched {
            block.reset()
            blockDispatched = false
        }
        return !startOfStream || skipByteOrderMark()
    }

    /// The inner loop: finds each line end and acts on the line, keeping its position in locals.
    ///
    /// The start of a line is searched for CR and LF eight bytes at a time (``LineBreakWord``),
    /// which finds the end of most lines without a call; longer lines go to `memchr`. The line's
    /// first eight bytes identify the usual field names with one comparison each.
    ///
    /// - Parameters:
    ///   - returningFirst: Whether the loop returns the first output it finds; otherwise it
    ///     hands each output to `body` and returns `nil` once the available input is used up, or
    ///     the output at which `body` returned `false`.
    ///   - body: Receives the decoder and each output when `returningFirst` is `false`.
    @inline(__always)
    private mutating func scanLines(
        returningFirst: Bool,
        delivering body: (inout EventStreamDecoder, Found) -> Bool
    ) throws(EventStreamError) -> Found? {
        let base = buffer.base
        let count = buffer.count
        var index = readIndex
        if skipsLeadingLF {
            guard index < count else { return nil }
            if base[index] == .lf { index += 1 }
            skipsLeadingLF = false
        }
        var breaks = LineBreakWord()
        // Long lines tend to follow long lines; those go straight to `memchr`.
        var previousLineWasLong = false
        var lines = 0
        defer { completedLines += lines }
        while true {
            let start = index
            var end: Int
            let near = previousLineWasLong ? (found: false, offset: start) : breaks.find(from: start, in: base, count: count)
            if near.found {
                end = near.offset  // shorter than LineBreakWord.searchLength: previousLineWasLong stays false
            } else if let found = farLineEnd(from: near.offset, in: base, count: count) {
                end = found
                previousLineWasLong = end &- start >= LineBreakWord.searchLength
            } else {
                readIndex = start
                return nil
            }
            // Indices stay below `count`, so the arithmetic below cannot overflow.
            index = end &+ 1
            if base[end] == .cr {
                if index < count {
                    if base[index] == .lf { index &+= 1 }
                } else {
                    skipsLeadingLF = true
                }
            }
            lines &+= 1

            if end == start {
                guard let found = dispatch() else { continue }
                if !returningFirst {
                    let proceeds = body(&self, found)
                    block.reset()
                    blockDispatched = false
                    if proceeds { continue }
                }
                readIndex = index
                return found
            }
            if base[start] == .colon {
                guard configuration.reportsComments else { continue }
                let found = Found.comment(start: start &+ 1, end: end)
                if !returningFirst, body(&self, found) { continue }
                readIndex = index
                return found
            }
            block.hasFields = true
            // Zero when fewer than 8 bytes are left; no field name matches it then.
            let word = start &+ 8 <= count ? base.loadWord(at: start) : 0
            if word & 0xFF_FFFF_FFFF == 0x3A_6174_6164 {  // "data:"
                try appendData(from: word.valueStart(start, afterColonAt: 5), to: end, in: base)
            } else if word & 0xFF_FFFF == 0x3A_6469 {  // "id:"
                // A NUL is a byte below 0x0E: the word search would have passed it.
                let mayHoldNUL = !near.found || breaks.passedControlByte
                setID(from: word.valueStart(start, afterColonAt: 3), to: end, in: base, mayHoldNUL: mayHoldNUL)
            } else if word & 0xFFFF_FFFF_FFFF == 0x3A74_6E65_7665 {  // "event:"
                block.eventType.refer(from: word.valueStart(start, afterColonAt: 6), to: end)
            } else if let retry = try field(from: start, to: end, in: base) {
                if !returningFirst, body(&self, retry) { continue }
                readIndex = index
                return retry
            }
        }
    }

    /// Finds the first CR or LF at or after `start` with `memchr`, remembering where the next CR
    /// is so a stream with LF line ends is searched for CR only once.
    @inline(never)
    private mutating func farLineEnd(from start: Int, in base: UnsafePointer<UInt8>, count: Int) -> Int? {
        let lf = memchr(base + start, Int32(UInt8.lf), count - start)
            .map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) - base }
        if let cr = carriageReturns.position(of: .cr, from: start, in: base, count: count), cr < lf ?? count {
            return cr
        }
        return lf
    }

    /// Drops a UTF-8 BOM at the very start; returns `false` while too few bytes have arrived to tell.
    private mutating func skipByteOrderMark() -> Bool {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let compared = min(buffer.count - readIndex, 3)
        for offset in 0..<compared where buffer.base[readIndex + offset] != bom[offset] {
            startOfStream = false
            return true
        }
        if compared == 3 {
            readIndex += 3
            startOfStream = false
            return true
        }
        if inputEnded { startOfStream = false }
        return !startOfStream
    }

    // MARK: - Fields

    /// Acts on a field line the fast comparisons did not recognise: `retry`, a line without a
    /// colon, a name followed by something else, or a line near the end of the buffer.
    @inline(never)
    private mutating func field(
        from start: Int,
        to end: Int,
        in base: UnsafePointer<UInt8>
    ) throws(EventStreamError) -> Found? {
        // The names acted on are at most 5 bytes long, so the colon is looked for only that far.
        let probeEnd = min(end, start + 6)
        var nameEnd = start
        while nameEnd < probeEnd, base[nameEnd] != .colon { nameEnd += 1 }
        var valueStart: Int
        if nameEnd < end, base[nameEnd] == .colon {
            valueStart = nameEnd + 1
            if valueStart < end, base[valueStart] == .space { valueStart += 1 }
        } else {
            guard nameEnd == end else { return nil }  // a longer name: not a field the decoder uses
            valueStart = end
        }
        let name = base + start
        switch nameEnd - start {
        case 4 where name.loadFourBytes() == .fourBytes("d", "a", "t", "a"):
            try appendData(from: valueStart, to: end, in: base)
        case 2 where name[0] == UInt8(ascii: "i") && name[1] == UInt8(ascii: "d"):
            setID(from: valueStart, to: end, in: base, mayHoldNUL: true)
        case 5 where name[4] == UInt8(ascii: "t") && name.loadFourBytes() == .fourBytes("e", "v", "e", "n"):
            block.eventType.refer(from: valueStart, to: end)
        case 5 where name[4] == UInt8(ascii: "y") && name.loadFourBytes() == .fourBytes("r", "e", "t", "r"):
            guard let milliseconds = Int64(asciiDigits: UnsafeBufferPointer(start: base + valueStart, count: end - valueStart))
            else { return nil }
            let retry = Duration.milliseconds(milliseconds)
            block.retry = retry
            return .retry(retry)
        default:
            break
        }
        return nil
    }

    @inline(__always)
    private mutating func appendData(from start: Int, to end: Int, in base: UnsafePointer<UInt8>) throws(EventStreamError) {
        let size = block.dataSize &+ (end &- start) &+ 1
        guard size <= configuration.maximumEventSize else {
            fail()
            throw .eventTooLarge(limit: configuration.maximumEventSize)
        }
        block.dataSize = size
        if block.dataLines == 0 {
            block.data.refer(from: start, to: end)
        } else {
            block.data.appendLine(UnsafeBufferPointer(start: base + start, count: end &- start), inputBase: base)
        }
        block.dataLines &+= 1
    }

    /// Takes an `id:` value, unless it contains NUL (such a value is ignored); the bytes are
    /// searched for NUL only when `mayHoldNUL`.
    @inline(__always)
    private mutating func setID(from start: Int, to end: Int, in base: UnsafePointer<UInt8>, mayHoldNUL: Bool) {
        if mayHoldNUL {
            var index = start
            while index < end {
                if base[index] == 0 { return }
                index &+= 1
            }
        }
        block.id.refer(from: start, to: end)
        block.hasID = true
    }

    /// Commits the last event ID and reports an event unless the block had no data.
    private mutating func dispatch() -> Found? {
        if block.hasID {
            committedLastEventID.set(to: block.id)
            if lastEventIDString != nil { lastEventIDString = nil }
        }
        guard block.dataLines > 0 || (configuration.dispatchesBlocksWithoutData && block.hasFields) else {
            block.reset()
            return nil
        }
        blockDispatched = true
        return .event
    }

    // MARK: - Input bookkeeping

    /// Decides what happens when no complete line is left: wait for more, or end the stream.
    private mutating func endOfAvailableInput() throws(EventStreamError) -> Found? {
        if failed { return nil }
        let pendingLine = buffer.count - readIndex
        if pendingLine + block.dataSize > configuration.maximumEventSize {
            fail()
            throw .eventTooLarge(limit: configuration.maximumEventSize)
        }
        guard inputEnded else { return nil }
        let partial = pendingLine > 0 || block.hasFields
        fail()
        if partial { throw .unexpectedEnd }
        return nil
    }

    private mutating func fail() {
        failed = true
        committedLastEventID.keep(inputBase: buffer.base)
        buffer.removeAll()
        readIndex = 0
        carriageReturns = ByteSearch()
        block.reset()
    }

    /// Moves unread bytes to the front once the read part dominates, first copying the field
    /// values that still point into the part being dropped.
    mutating func compact() {
        guard readIndex > 0, readIndex == buffer.count || readIndex >= buffer.count / 2 else { return }
        if blockDispatched {
            block.reset()
            blockDispatched = false
        }
        block.keep(inputBase: buffer.base)
        committedLastEventID.keep(inputBase: buffer.base)
        buffer.removeFirst(readIndex)
        carriageReturns.shift(by: readIndex)
        readIndex = 0
    }
}
