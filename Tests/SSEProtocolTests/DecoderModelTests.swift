import SSEProtocol
import Testing

// The decoder finds line ends eight bytes at a time and with `memchr`, recognises `data:`, `id:`
// and `event:` by comparing a line's first eight bytes as one integer, and keeps single-line
// values as ranges of its input until the buffer is compacted. The spec vectors are too short to
// reach most of that, so these tests compare the decoder with a plain reference model on a few
// hundred seeded random streams, fed whole, in random chunks, a byte at a time and through
// `append(upTo:from:)`.

/// The reference model, the random streams and the helpers that feed them to a real decoder.
enum DecoderModel {
    typealias Output = EventStreamDecoder.Output
    typealias Configuration = EventStreamDecoder.Configuration

    /// The seeds of the generated streams; a failure names its seed, so it reproduces.
    static let seeds: [UInt64] = Array(1...300)

    /// One generated stream and what the model makes of it, with and without comments.
    struct Case: Sendable {
        let seed: UInt64
        let input: [UInt8]
        private let withComments: Reference.Trace
        private let withoutComments: Reference.Trace

        init(seed: UInt64) {
            self.seed = seed
            input = Generator.stream(seed: seed)
            withComments = Reference.decode(input, configuration: DecoderModel.configuration(reportsComments: true, seed: seed))
            withoutComments = Reference.decode(input, configuration: DecoderModel.configuration(reportsComments: false, seed: seed))
        }

        /// The configuration to decode with: see ``DecoderModel/configuration(reportsComments:seed:)``.
        func configuration(reportsComments: Bool) -> Configuration {
            DecoderModel.configuration(reportsComments: reportsComments, seed: seed)
        }

        /// The model's trace for ``configuration(reportsComments:)``.
        func trace(reportsComments: Bool) -> Reference.Trace {
            reportsComments ? withComments : withoutComments
        }

        /// The seed and the input, for a failure message.
        var description: String { "seed \(seed), input \"\(DecoderModel.escaped(input))\"" }
    }

    /// Every seed's stream and model results, built once for all the tests.
    static let cases: [Case] = seeds.map(Case.init(seed:))

    /// The lengths around the decoder's word size and its 48-byte switch to `memchr`.
    static let edgeLengths = [7, 8, 9, 15, 16, 17, 47, 48, 49]

    /// Everything a decoder made of one stream: its outputs, how it ended, and its state after.
    struct Result: Equatable, Sendable {
        var outputs: [Output]
        /// `nil` for a clean end, else the error the last `next()` threw.
        var ending: EventStreamError?
        var lastEventID: String
        var completedLines: Int
    }

    // MARK: - Random numbers

    /// A deterministic generator, so every stream and chunking reproduces from its seed.
    typealias Random = SplitMix64

    // MARK: - The reference model

    /// A deliberately simple decoder of a whole stream, written straight from the WHATWG rules.
    enum Reference {
        /// The model's result plus what it knew after each complete line, to check a decoder
        /// between chunks.
        struct Trace: Sendable {
            var result: Result
            /// For each complete line, the input offset of the byte that completed it (the CR of
            /// a CR LF pair), in increasing order.
            var lineEnds: [Int] = []
            /// The stream's last event ID after each complete line.
            var lastEventIDs: [String] = []
            /// How many outputs there were after each complete line.
            var outputCounts: [Int] = []
            /// The last event ID the stream started with.
            var initialLastEventID: String

            /// How many lines the first `prefix` bytes of the input complete.
            func linesCompleted(byPrefix prefix: Int) -> Int {
                var low = 0
                var high = lineEnds.count
                while low < high {
                    let middle = (low + high) / 2
                    if lineEnds[middle] < prefix { low = middle + 1 } else { high = middle }
                }
                return low
            }

            /// The last event ID once `lines` lines are complete.
            func lastEventID(afterLines lines: Int) -> String {
                lines == 0 ? initialLastEventID : lastEventIDs[lines - 1]
            }

            /// How many outputs there are once `lines` lines are complete.
            func outputCount(afterLines lines: Int) -> Int {
                lines == 0 ? 0 : outputCounts[lines - 1]
            }
        }

        /// Decodes the whole of `input` as a WHATWG `EventSource` would, reporting comments when
        /// `configuration` asks for them and starting from its last event ID.
        static func decode(_ input: [UInt8], configuration: Configuration) -> Trace {
            var body = input[...]
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            let (lines, lineEnds, unterminated) = splitLines(body)

            var trace = Trace(
                result: Result(outputs: [], ending: nil, lastEventID: "", completedLines: lines.count),
                lineEnds: lineEnds,
                initialLastEventID: configuration.lastEventID
            )
            var lastEventID = Array(configuration.lastEventID.utf8)
            var outputs: [Output] = []
            // The block being read, up to its blank line.
            var data: [UInt8] = []
            var type: [UInt8] = []
            var blockID: [UInt8]?
            var blockRetry: Duration?
            var blockHasFields = false

            for line in lines {
                if line.isEmpty {
                    if let blockID { lastEventID = blockID }
                    if !data.isEmpty {
                        data.removeLast()
                        let id = text(lastEventID)
                        outputs.append(.event(MessageEvent(
                            id: blockID == nil ? "" : id, event: text(type), data: text(data),
                            lastEventID: id, retry: blockRetry
                        )))
                    }
                    data = []
                    type = []
                    blockID = nil
                    blockRetry = nil
                    blockHasFields = false
                } else if line.first == UInt8(ascii: ":") {
                    if configuration.reportsComments { outputs.append(.comment(text(line.dropFirst()))) }
                } else {
                    blockHasFields = true
                    let (name, value) = splitField(line)
                    if name.elementsEqual("data".utf8) {
                        data += value
                        data.append(0x0A)
                    } else if name.elementsEqual("event".utf8) {
                        type = Array(value)
                    } else if name.elementsEqual("id".utf8) {
                        if !value.contains(0) { blockID = Array(value) }
                    } else if name.elementsEqual("retry".utf8), let milliseconds = milliseconds(value) {
                        blockRetry = .milliseconds(milliseconds)
                        outputs.append(.retry(.milliseconds(milliseconds)))
                    }
                }
                trace.lastEventIDs.append(text(lastEventID))
                trace.outputCounts.append(outputs.count)
            }
            trace.result.outputs = outputs
            trace.result.lastEventID = text(lastEventID)
            trace.result.ending = !unterminated.isEmpty || blockHasFields ? .unexpectedEnd : nil
            return trace
        }

        /// Splits `bytes` at CR LF, lone CR and lone LF.
        ///
        /// - Returns: The complete lines, the offset of the byte that ended each, and the
        ///   unterminated rest.
        static func splitLines(
            _ bytes: ArraySlice<UInt8>
        ) -> (lines: [ArraySlice<UInt8>], ends: [Int], rest: ArraySlice<UInt8>) {
            var lines: [ArraySlice<UInt8>] = []
            var ends: [Int] = []
            var lineStart = bytes.startIndex
            var index = bytes.startIndex
            while index < bytes.endIndex {
                let byte = bytes[index]
                guard byte == 0x0A || byte == 0x0D else {
                    index += 1
                    continue
                }
                lines.append(bytes[lineStart..<index])
                ends.append(index)
                let isCRLF = byte == 0x0D && index + 1 < bytes.endIndex && bytes[index + 1] == 0x0A
                index += isCRLF ? 2 : 1
                lineStart = index
            }
            return (lines, ends, bytes[lineStart...])
        }

        /// A field line's name (up to the first colon, or the whole line) and its value (after
        /// the colon, less one leading space; empty without a colon).
        static func splitField(_ line: ArraySlice<UInt8>) -> (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return (line, line[line.endIndex...]) }
            var value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            return (line[..<colon], value)
        }

        /// A `retry` value: non-empty ASCII digits that fit in `Int64`, else `nil`.
        static func milliseconds(_ value: ArraySlice<UInt8>) -> Int64? {
            guard !value.isEmpty, value.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return Int64(text(value))
        }

        /// `bytes` as a string, invalid UTF-8 repaired as the decoder repairs it.
        static func text(_ bytes: some Collection<UInt8>) -> String {
            String(decoding: bytes, as: UTF8.self)
        }
    }

    // MARK: - Random streams

    /// Writes a random event stream that leans on the decoder's fast paths and their edges.
    struct Generator {
        /// How a stream ends its lines: all alike, or each line picking LF, CR or CR LF.
        enum LineEndings { case mixed, lf, crlf, cr }

        /// Field names: the real ones (more often) and near misses of them.
        static let fieldNames = [
            "data", "data", "data", "data", "id", "id", "id", "event", "event", "retry",
            "dat", "datas", "ids", "Data", "eventx", "retr", "retryy", "x", "dataline", "identity", "eventual",
        ]

        /// The ASCII that values and padding are made of.
        static let letters = Array("abcdefghijklmnopqrstuvwxyzABCXYZ".utf8)
        static let digitBytes = Array("0123456789".utf8)
        static let padding = Array("abcxyz0189 :-".utf8)
        /// Bytes a word-at-a-time search may mistake for line breaks: control bytes other than CR
        /// and LF, and CR and LF with the high bit set (invalid UTF-8 on their own).
        static let controlBytes: [UInt8] = [0x00, 0x01, 0x09, 0x0B, 0x0C, 0x0E, 0x1F, 0x8A, 0x8D]

        /// Line starts for lines padded to a given length.
        static let prefixes = [
            "data:", "data: ", "data: ", "id:", "id: ", "id: ", "event:", "event: ", ":", "retry:", "retry: ",
            "x: ", "datas:", "ids: ", "Data: ",
        ]

        private var random: Random
        private let lineEndings: LineEndings
        private(set) var bytes: [UInt8] = []

        /// The stream for `seed`; the same seed always gives the same bytes.
        static func stream(seed: UInt64) -> [UInt8] {
            var generator = Generator(seed: seed)
            generator.writeStream()
            return generator.bytes
        }

        private init(seed: UInt64) {
            var random = Random(seed: seed)
            lineEndings = random.pick([.mixed, .mixed, .mixed, .lf, .lf, .crlf, .crlf, .cr])
            self.random = random
        }

        /// A BOM sometimes, 1 to 12 blocks of 0 to 6 lines, then a clean or a broken end.
        private mutating func writeStream() {
            if random.chance(15) { bytes += [0xEF, 0xBB, 0xBF] }
            for _ in 0..<random.int(in: 1...12) {
                for _ in 0..<random.int(in: 0...6) {
                    for line in randomLines() { writeLine(line) }
                }
                writeLine([])
                if random.chance(15) { writeLine([]) }
            }
            switch random.int(in: 0...99) {
            case 0..<55:
                break  // every block ended with its blank line
            case 55..<65:
                writeLine(commentLine())  // a trailing comment is still a clean end
            case 65..<80:
                bytes += random.chance(50) ? fieldLine() : paddedLine(length: random.int(in: 1...120))  // stops mid-line
            case 80..<92:
                for _ in 0...random.int(in: 0...2) { writeLine(fieldLine()) }  // stops mid-block
            default:
                bytes += Array("data: ends on CR".utf8) + [0x0D, 0x0D]  // a CR as the very last byte
            }
        }

        /// Writes `line` and a line ending: the stream's own, or for a mixed stream a random one.
        private mutating func writeLine(_ line: [UInt8]) {
            bytes += line
            let ending = lineEndings == .mixed ? random.pick([LineEndings.lf, .cr, .crlf]) : lineEndings
            switch ending {
            case .lf: bytes.append(0x0A)
            case .cr: bytes.append(0x0D)
            case .crlf, .mixed: bytes += [0x0D, 0x0A]
            }
        }

        /// One line of a random kind, or a run of long lines (which sends the decoder to `memchr`).
        private mutating func randomLines() -> [[UInt8]] {
            switch random.int(in: 0...99) {
            case 0..<38: [fieldLine()]
            case 38..<46: [retryLine()]
            case 46..<54: [commentLine()]
            case 54..<70: [paddedLine(length: random.pick(DecoderModel.edgeLengths))]
            case 70..<80: [paddedLine(length: random.int(in: 40...200))]
            case 80..<86: (0...random.int(in: 1...3)).map { _ in paddedLine(length: random.int(in: 48...200)) }
            case 86..<91: [[]]  // a blank line inside the block: dispatches early
            case 91..<96: [[UInt8](repeating: 0, count: random.int(in: 8...20)) + Array(":x".utf8)]  // a word of zeros
            default: [[0xEF, 0xBB, 0xBF] + Array("data: after a BOM".utf8)]  // a BOM past the start is part of the name
            }
        }

        /// A field: a name, then nothing, `:`, `: ` or `:  `, then a random value of 0 to ~120 bytes.
        private mutating func fieldLine() -> [UInt8] {
            var line = Array(random.pick(Self.fieldNames).utf8)
            switch random.int(in: 0...9) {
            case 0: return line
            case 1..<4: line += Array(":".utf8)
            case 4..<9: line += Array(": ".utf8)
            default: line += Array(":  ".utf8)
            }
            let length = switch random.int(in: 0...9) {
            case 0..<5: random.int(in: 0...12)
            case 5..<8: random.int(in: 13...50)
            default: random.int(in: 51...120)
            }
            return line + value(length: length)
        }

        /// A `retry` field with a valid or an invalid value.
        private mutating func retryLine() -> [UInt8] {
            let value = switch random.int(in: 0...5) {
            case 0, 1: digits(random.int(in: 1...10))
            case 2: digits(random.int(in: 1...4)) + random.pick(["x", " ", "-", ":"]) + digits(1)
            case 3: ""
            case 4: digits(25)  // overflows Int64
            default: digits(18)  // fits
            }
            return Array(("retry" + random.pick([":", ": ", ":  "]) + value).utf8)
        }

        /// A comment, short or 60+ bytes long.
        private mutating func commentLine() -> [UInt8] {
            [UInt8(ascii: ":")] + value(length: random.chance(60) ? random.int(in: 0...10) : random.int(in: 60...150))
        }

        /// A line of exactly `length` bytes: a field or comment start padded with ASCII.
        private mutating func paddedLine(length: Int) -> [UInt8] {
            let prefix = Array(random.pick(Self.prefixes).utf8.prefix(length))
            let padding = prefix.starts(with: Array("retry".utf8))
                ? Array(digits(length - prefix.count).utf8)
                : (0..<(length - prefix.count)).map { _ in random.pick(Self.padding) }
            return prefix + padding
        }

        /// At least `length` bytes (multi-byte characters may add up to 3 more) of letters,
        /// spaces, colons, digits, é, 😀, and rarely NUL, another control byte or an invalid 0xFF.
        private mutating func value(length: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            while bytes.count < length {
                switch random.int(in: 0...99) {
                case 0..<50: bytes.append(random.pick(Self.letters))
                case 50..<61: bytes.append(UInt8(ascii: " "))
                case 61..<69: bytes.append(UInt8(ascii: ":"))
                case 69..<82: bytes.append(random.pick(Self.digitBytes))
                case 82..<89: bytes += [0xC3, 0xA9]  // é
                case 89..<95: bytes += [0xF0, 0x9F, 0x98, 0x80]  // 😀
                case 95..<97: bytes.append(random.pick(Self.controlBytes))
                default: bytes.append(random.pick([0xFF, 0x00]))
                }
            }
            return bytes
        }

        /// `count` random ASCII digits.
        private mutating func digits(_ count: Int) -> String {
            String(decoding: (0..<count).map { _ in random.pick(Self.digitBytes) }, as: UTF8.self)
        }
    }

    // MARK: - Feeding a real decoder

    /// How a stream's bytes reach the decoder.
    enum Feeding: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// One `append(_:)` with everything.
        case whole
        /// `append(_:)` with random chunks of 1 to 70 bytes (some as a non-contiguous sequence).
        case randomChunks
        /// `append(_:)` with one byte at a time.
        case oneByteAtATime
        /// `append(upTo:from:)` with a random `maximumCount` of 1 to 24, sometimes filling less or nothing.
        case rawBuffer

        var testDescription: String { rawValue }
    }

    /// How outputs are read from the decoder.
    enum Reading: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// `next()` until it returns `nil`.
        case next
        /// `nextView(_:)` until it returns `false`, building from each view what `next()` would.
        case nextView
        /// One `forEachAvailableView(_:)` call, building from each view what `next()` would.
        case forEachAvailableView

        var testDescription: String { rawValue }
    }

    /// A decoder being fed one stream, collecting its outputs; copying a runner copies its decoder.
    struct Runner {
        var decoder: EventStreamDecoder
        let input: [UInt8]
        var feeding: Feeding
        var reading: Reading
        /// When set, each step reads only a random number of outputs in this range (with `next()`
        /// or `nextView(_:)`), so unread lines pile up in the buffer across appends; the rest
        /// are read at the end.
        var readsAtMost: ClosedRange<Int>?
        /// Chooses chunk sizes; reseed it to feed a copy differently.
        var random: Random
        private(set) var position = 0
        private(set) var outputs: [Output] = []
        private(set) var ending: EventStreamError?

        init(_ input: [UInt8], configuration: Configuration, feeding: Feeding, seed: UInt64, reading: Reading = .next) {
            decoder = EventStreamDecoder(configuration: configuration)
            self.input = input
            self.feeding = feeding
            self.reading = reading
            random = Random(seed: seed)
        }

        var hasInputLeft: Bool { position < input.count }

        /// Feeds the next chunk (never past `limit`), then reads every output it completes unless
        /// `draining` is `false`.
        mutating func step(upTo limit: Int? = nil, draining: Bool = true) {
            guard ending == nil else { return }
            let end = min(limit ?? input.count, input.count)
            guard position < end else { return }
            let available = end - position
            switch feeding {
            case .whole:
                decoder.append(input[position..<end])
                position = end
            case .randomChunks:
                let count = min(random.int(in: 1...70), available)
                let chunk = input[position..<(position + count)]
                // A lazy map has no contiguous storage, so this also runs the byte-by-byte copy.
                if random.chance(10) { decoder.append(chunk.lazy.map { $0 }) } else { decoder.append(chunk) }
                position += count
            case .oneByteAtATime:
                decoder.append(input[position...position])
                position += 1
            case .rawBuffer:
                let maximum = random.int(in: 1...24)
                let count = random.chance(20) ? random.int(in: 0...min(maximum, available)) : min(maximum, available)
                let bytes = input[position..<(position + count)]
                let written = decoder.append(upTo: maximum) { raw in
                    raw.copyBytes(from: bytes)
                    return bytes.count
                }
                position += written
            }
            guard draining else { return }
            if let readsAtMost { drain(atMost: random.int(in: readsAtMost)) } else { drain() }
        }

        /// Reads outputs until the decoder wants more input, or `limit` of them with `next()` or
        /// `nextView(_:)`.
        mutating func drain(atMost limit: Int = .max) {
            guard ending == nil else { return }
            var collected: [Output] = []
            do throws(EventStreamError) {
                switch reading {
                case .next:
                    while collected.count < limit, let output = try decoder.next() { collected.append(output) }
                case .nextView:
                    while collected.count < limit, try decoder.nextView({ collected.append(DecoderModel.output(from: $0)) }) {}
                case .forEachAvailableView:
                    try decoder.forEachAvailableView { collected.append(DecoderModel.output(from: $0)) }
                }
            } catch {
                ending = error
            }
            outputs += collected
        }

        /// Feeds the rest, marks the end and drains; call once.
        mutating func finish() -> Result {
            while hasInputLeft, ending == nil { step() }
            if ending == nil {
                decoder.finish()
                drain()
            }
            return Result(outputs: outputs, ending: ending, lastEventID: decoder.lastEventID, completedLines: decoder.completedLines)
        }
    }

    /// Decodes `input` with a real decoder from start to end.
    static func decode(
        _ input: [UInt8],
        configuration: Configuration,
        feeding: Feeding,
        seed: UInt64,
        reading: Reading = .next
    ) -> Result {
        var runner = Runner(input, configuration: configuration, feeding: feeding, seed: seed, reading: reading)
        return runner.finish()
    }

    /// The `Output` that `next()` would have built for a view: strings decoded from its bytes.
    static func output(from view: OutputView) -> Output {
        let text = { (bytes: UnsafeBufferPointer<UInt8>) in String(decoding: bytes, as: UTF8.self) }
        switch view {
        case .event(let event):
            return .event(MessageEvent(
                id: text(event.id), event: text(event.event), data: text(event.data),
                lastEventID: text(event.lastEventID), retry: event.retry
            ))
        case .comment(let bytes):
            return .comment(text(bytes))
        case .retry(let retry):
            return .retry(retry)
        }
    }

    // MARK: - Checking

    /// The configuration a stream is checked with: comments on or off, and for every third seed
    /// a last event ID to start from.
    static func configuration(reportsComments: Bool, seed: UInt64) -> Configuration {
        Configuration(reportsComments: reportsComments, lastEventID: seed % 3 == 0 ? "resumé-0" : "")
    }

    /// Records an issue unless `actual` equals `expected`, saying where they first differ.
    ///
    /// - Returns: Whether they were equal.
    @discardableResult
    static func expectEqual(
        _ actual: Result,
        _ expected: Result,
        _ context: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        let equal = actual == expected
        #expect(equal, "\(difference(actual, expected)); \(context())", sourceLocation: sourceLocation)
        return equal
    }

    /// Where two results first differ, for a failure message.
    static func difference(_ actual: Result, _ expected: Result) -> String {
        var parts: [String] = []
        if actual.outputs != expected.outputs {
            let common = min(actual.outputs.count, expected.outputs.count)
            let index = (0..<common).first { actual.outputs[$0] != expected.outputs[$0] } ?? common
            let got = index < actual.outputs.count ? "\(actual.outputs[index])" : "nothing"
            let wanted = index < expected.outputs.count ? "\(expected.outputs[index])" : "nothing"
            parts.append("output \(index) (of \(actual.outputs.count), expected \(expected.outputs.count)) was \(got), expected \(wanted)")
        }
        if actual.ending != expected.ending {
            parts.append("ended with \(actual.ending.map { "\($0)" } ?? "a clean end"), expected \(expected.ending.map { "\($0)" } ?? "a clean end")")
        }
        if actual.lastEventID != expected.lastEventID {
            parts.append("lastEventID \(actual.lastEventID.debugDescription), expected \(expected.lastEventID.debugDescription)")
        }
        if actual.completedLines != expected.completedLines {
            parts.append("completedLines \(actual.completedLines), expected \(expected.completedLines)")
        }
        return parts.joined(separator: "; ")
    }

    /// `bytes` as a Swift-like string literal body with `\n`, `\r` and `\xHH` escapes.
    static func escaped(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return text
    }

    /// Stops a loop over seeds after a few failing streams, so one bug does not flood the log.
    struct FailureBudget {
        private var failures = 0

        /// Counts a failing stream; returns `false` once the budget is spent.
        mutating func allowsMore(afterPassing passed: Bool) -> Bool {
            if !passed { failures += 1 }
            return failures < 3
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

// MARK: - Tests

@Suite("EventStreamDecoder agrees with a reference model on random streams")
struct DecoderModelTests {
    typealias Model = DecoderModel

    @Test("the model decodes every spec vector as specified")
    func modelMatchesSpecVectors() {
        for vector in specVectors {
            let result = Model.Reference.decode(vector.input, configuration: .init(reportsComments: true)).result
            #expect(result.outputs == vector.outputs, "\(vector.name)")
            #expect(result.ending == vector.endsWith, "\(vector.name)")
        }
        // The parts the vectors do not pin down: line counts, the last event ID, hidden comments.
        let trace = Model.Reference.decode(Array("\u{FEFF}id: 9\r\n\r\n:c\rdata: x\r".utf8), configuration: .init())
        #expect(trace.result.completedLines == 4)
        #expect(trace.result.lastEventID == "9")
        #expect(trace.result.outputs.isEmpty)
        #expect(trace.result.ending == .unexpectedEnd)
        #expect(trace.lineEnds == [8, 10, 14, 22])
    }

    @Test("the generated streams reach the fast paths and their edges")
    func generatorCoversTheEdges() {
        var lineLengths: Set<Int> = []
        var longLineRuns = 0, byteOrderMarks = 0, cleanEnds = 0, brokenEnds = 0, events = 0, retries = 0
        var endsInCR = 0, lineEndings: Set<[UInt8]> = []
        for test in Model.cases {
            let input = test.input
            let trace = test.trace(reportsComments: false)
            let lines = Model.Reference.splitLines(input[...]).lines
            lineLengths.formUnion(lines.map(\.count))
            longLineRuns += zip(lines, lines.dropFirst()).count { $0.count >= 48 && $1.count >= 48 }
            byteOrderMarks += input.starts(with: [0xEF, 0xBB, 0xBF]) ? 1 : 0
            if trace.result.ending == nil { cleanEnds += 1 } else { brokenEnds += 1 }
            endsInCR += input.last == 0x0D ? 1 : 0
            events += trace.result.outputs.count { if case .event = $0 { true } else { false } }
            retries += trace.result.outputs.count { if case .retry = $0 { true } else { false } }
            for end in trace.lineEnds {
                let isCRLF = input[end] == 0x0D && end + 1 < input.count && input[end + 1] == 0x0A
                lineEndings.insert(isCRLF ? [0x0D, 0x0A] : [input[end]])
            }
        }
        let summary = "long-line runs \(longLineRuns), BOMs \(byteOrderMarks), clean \(cleanEnds), broken \(brokenEnds), "
            + "ending in CR \(endsInCR), events \(events), retries \(retries)"
        #expect(lineLengths.isSuperset(of: Model.edgeLengths))
        #expect(lineLengths.contains { $0 > 150 })
        #expect(longLineRuns > 50, "\(summary)")
        #expect(byteOrderMarks > 20, "\(summary)")
        #expect(cleanEnds > 150 && brokenEnds > 50, "\(summary)")
        #expect(endsInCR > 5, "\(summary)")
        #expect(events > 500 && retries > 100, "\(summary)")
        #expect(lineEndings == [[0x0A], [0x0D], [0x0D, 0x0A]])
    }

    @Test(
        "next() gives the model's outputs, ending, last event ID and line count",
        arguments: Model.Feeding.allCases, [true, false]
    )
    func nextMatchesModel(feeding: Model.Feeding, reportsComments: Bool) {
        var budget = Model.FailureBudget()
        for test in Model.cases {
            let actual = Model.decode(
                test.input, configuration: test.configuration(reportsComments: reportsComments), feeding: feeding, seed: test.seed
            )
            let passed = Model.expectEqual(
                actual, test.trace(reportsComments: reportsComments).result,
                "\(feeding), reportsComments \(reportsComments), \(test.description)"
            )
            guard budget.allowsMore(afterPassing: passed) else { return }
        }
    }

    @Test(
        "reading only some of the available outputs between appends gives the model's results",
        arguments: [Model.Feeding.randomChunks, .rawBuffer, .oneByteAtATime]
    )
    func partialReadsMatchModel(feeding: Model.Feeding) {
        var budget = Model.FailureBudget()
        for test in Model.cases {
            // Unread lines stay in the buffer while it is compacted, together with what the
            // decoder remembered about them (where the next CR is, for one).
            let reading: Model.Reading = test.seed.isMultiple(of: 2) ? .next : .nextView
            var runner = Model.Runner(
                test.input, configuration: test.configuration(reportsComments: true), feeding: feeding,
                seed: test.seed, reading: reading
            )
            runner.readsAtMost = 0...2
            let passed = Model.expectEqual(
                runner.finish(), test.trace(reportsComments: true).result, "\(feeding), \(reading), \(test.description)"
            )
            guard budget.allowsMore(afterPassing: passed) else { return }
        }
    }

    @Test("after every chunk, the last event ID, line count and outputs so far match the model")
    func stateAfterEachChunkMatchesModel() {
        var budget = Model.FailureBudget()
        for test in Model.cases {
            let reportsComments = test.seed.isMultiple(of: 2)
            let trace = test.trace(reportsComments: reportsComments)
            let feeding: Model.Feeding = test.seed.isMultiple(of: 3) ? .rawBuffer : .randomChunks
            let reading = Model.Reading.allCases[Int(test.seed % 3)]
            var runner = Model.Runner(
                test.input, configuration: test.configuration(reportsComments: reportsComments), feeding: feeding,
                seed: test.seed, reading: reading
            )
            var passed = true
            while runner.hasInputLeft, passed {
                runner.step()
                let lines = trace.linesCompleted(byPrefix: runner.position)
                let expected = (lines, trace.lastEventID(afterLines: lines), trace.outputCount(afterLines: lines))
                let actual = (runner.decoder.completedLines, runner.decoder.lastEventID, runner.outputs.count)
                passed = actual == expected
                // Recorded only when different: an expectation per chunk would dominate the run time.
                if !passed {
                    let message = "\(feeding), \(reading), after \(runner.position) bytes: (completedLines, lastEventID, outputs) "
                        + "were \(actual), expected \(expected); \(test.description)"
                    Issue.record("\(message)")
                }
            }
            if passed {
                passed = Model.expectEqual(runner.finish(), trace.result, "\(feeding), \(reading), \(test.description)")
            }
            guard budget.allowsMore(afterPassing: passed) else { return }
        }
    }

    @Test(
        "nextView(_:) and forEachAvailableView(_:) give the same outputs as next()",
        arguments: [Model.Feeding.randomChunks, .rawBuffer, .whole], [Model.Reading.nextView, .forEachAvailableView]
    )
    func viewsMatchNext(feeding: Model.Feeding, reading: Model.Reading) {
        var budget = Model.FailureBudget()
        for test in Model.cases {
            let reportsComments = !test.seed.isMultiple(of: 4)
            let configuration = test.configuration(reportsComments: reportsComments)
            let fromNext = Model.decode(test.input, configuration: configuration, feeding: feeding, seed: test.seed)
            let fromViews = Model.decode(test.input, configuration: configuration, feeding: feeding, seed: test.seed, reading: reading)
            let passed = Model.expectEqual(fromViews, fromNext, "\(reading) vs next(), \(feeding), \(test.description)")
                && Model.expectEqual(
                    fromViews, test.trace(reportsComments: reportsComments).result,
                    "\(reading) vs the model, \(feeding), \(test.description)"
                )
            guard budget.allowsMore(afterPassing: passed) else { return }
        }
    }

    @Test("a copy taken mid-stream decodes on its own, whichever of the two is fed first")
    func copiesAreIndependent() {
        var budget = Model.FailureBudget()
        for test in Model.cases {
            let input = test.input
            var random = Model.Random(seed: test.seed ^ 0xC0FF_EE00)
            let split = random.int(in: 0...input.count)
            // Feed the first part; half of the time its last chunk is left unread, so the copy
            // shares a buffer with pending bytes and field values that point into it.
            var original = Model.Runner(
                input, configuration: test.configuration(reportsComments: true), feeding: .randomChunks, seed: test.seed
            )
            let leavesLastChunkUnread = random.chance(50)
            while original.position < split {
                original.step(upTo: split, draining: false)
                if original.position < split || !leavesLastChunkUnread { original.drain() }
            }
            var copy = original
            copy.feeding = random.chance(50) ? .rawBuffer : .oneByteAtATime
            copy.random = Model.Random(seed: random.next())

            let order = random.int(in: 0...2)
            let (originalResult, copyResult): (Model.Result, Model.Result)
            switch order {
            case 0:  // the original runs to the end first; only then is the copy drained and fed
                originalResult = original.finish()
                copy.drain()
                copyResult = copy.finish()
            case 1:  // the other way round
                copy.drain()
                copyResult = copy.finish()
                originalResult = original.finish()
            default:  // alternating chunks
                while original.hasInputLeft || copy.hasInputLeft {
                    original.step()
                    copy.step()
                }
                originalResult = original.finish()
                copyResult = copy.finish()
            }
            let expected = test.trace(reportsComments: true).result
            let context = { "split at \(split), last chunk unread \(leavesLastChunkUnread), order \(order), \(test.description)" }
            let passed = Model.expectEqual(originalResult, expected, "original, \(context())")
                && Model.expectEqual(copyResult, expected, "copy, \(context())")
            guard budget.allowsMore(afterPassing: passed) else { return }
        }
    }

    /// One chunk of the compaction stream and the last event ID the decoder must report after it.
    private struct Chunk {
        var bytes: [UInt8]
        var lastEventIDAfter: String
    }

    /// Many events whose `id:`, `event:` and `data:` lines arrive in one chunk and whose blank line
    /// arrives only after a large chunk of comments, so the buffer is compacted while the block's
    /// values still point into it; some events carry no `id:` and come many chunks after the last
    /// one, and some blocks set only an `id:`, so the committed last event ID must survive too.
    private static func compactionStream() -> (chunks: [Chunk], events: [EventStreamDecoder.Output]) {
        let filler = String(repeating: ":" + String(repeating: "filler ", count: 10) + "\n", count: 12)
        var chunks: [Chunk] = []
        var events: [EventStreamDecoder.Output] = []
        var lastEventID = ""
        func add(_ text: String) { chunks.append(Chunk(bytes: Array(text.utf8), lastEventIDAfter: lastEventID)) }
        for number in 0..<40 {
            if number % 10 == 5 {
                // A block with only an id: no event, but the last event ID changes.
                add("id: silent-\(number)-é\n")
                add(filler)
                lastEventID = "silent-\(number)-é"
                add("\n")
            }
            let id = number % 7 < 2 ? "id-\(number)-é" : nil
            let type = number % 3 == 0 ? "" : "type-\(number % 4)"
            add((id.map { "id: \($0)\n" } ?? "") + (type.isEmpty ? "" : "event: \(type)\n") + "data: payload \(number)\n")
            add(filler + ":unfini")  // ends inside a comment, so the next compaction keeps unread bytes
            if let id { lastEventID = id }
            add("shed comment\n\n")
            if number % 4 == 3 {
                add(filler)
                add(filler)
            }
            events.append(.event(MessageEvent(id: id ?? "", event: type, data: "payload \(number)", lastEventID: lastEventID)))
        }
        return (chunks, events)
    }

    @Test("values kept as ranges of the input survive compaction", arguments: Model.Reading.allCases)
    func compactionKeepsBorrowedValues(reading: Model.Reading) {
        let (chunks, events) = Self.compactionStream()
        let whole = Array(chunks.map(\.bytes).joined())
        // The hand-written expectation agrees with the model.
        #expect(Model.Reference.decode(whole, configuration: .init()).result.outputs == events)

        var runner = Model.Runner(whole, configuration: .init(), feeding: .whole, seed: 0, reading: reading)
        for (index, chunk) in chunks.enumerated() {
            runner.step(upTo: runner.position + chunk.bytes.count)
            #expect(runner.decoder.lastEventID == chunk.lastEventIDAfter, "after chunk \(index)")
        }
        let result = runner.finish()
        #expect(result.outputs == events)
        #expect(result.ending == nil)
        #expect(result.lastEventID == chunks.last?.lastEventIDAfter)
    }

    /// The error a failing read throws in these tests.
    private struct ReadFailed: Error {}

    @Test("append(upTo:from:) keeps nothing when the read throws or returns 0")
    func failedAndEmptyReadsAddNothing() {
        var budget = Model.FailureBudget()
        var failedReads = 0
        var emptyReads = 0
        // What a failing read scribbles into the room it was given before throwing.
        let scribble = Array("\n\ndata: not in the stream\n\nid: nope\n\n".utf8)
        for test in Model.cases {
            var runner = Model.Runner(
                test.input, configuration: test.configuration(reportsComments: true), feeding: .rawBuffer, seed: test.seed
            )
            var random = Model.Random(seed: ~test.seed)
            var passed = true
            while runner.hasInputLeft, passed {
                let before = (runner.decoder.completedLines, runner.decoder.lastEventID, runner.outputs.count)
                switch random.int(in: 0...9) {
                case 0:
                    do throws(ReadFailed) {
                        try runner.decoder.append(upTo: random.int(in: 1...64)) { (raw) throws(ReadFailed) -> Int in
                            for index in raw.indices { raw[index] = scribble[index % scribble.count] }
                            throw ReadFailed()
                        }
                        Issue.record("the read did not throw")
                    } catch {
                        failedReads += 1
                    }
                case 1:
                    let returned = runner.decoder.append(upTo: random.int(in: 1...64)) { _ in 0 }
                    if returned != 0 { Issue.record("append(upTo:from:) returned \(returned), not what the read returned") }
                    emptyReads += 1
                default:
                    runner.step()
                    continue
                }
                runner.drain()
                let after = (runner.decoder.completedLines, runner.decoder.lastEventID, runner.outputs.count)
                passed = after == before
                if !passed {
                    let message = "a failed or empty read after \(runner.position) bytes changed (completedLines, lastEventID, "
                        + "outputs) from \(before) to \(after); \(test.description)"
                    Issue.record("\(message)")
                }
            }
            if passed {
                passed = Model.expectEqual(runner.finish(), test.trace(reportsComments: true).result, "\(test.description)")
            }
            guard budget.allowsMore(afterPassing: passed) else { return }
        }
        #expect(failedReads > 100)
        #expect(emptyReads > 100)
    }
}
