import SSEProtocol

extension DecoderModel {
    /// Writes a random event stream that leans on the decoder's fast paths and their edges.
    public struct Generator {
        /// How a stream ends its lines: all alike, or each line picking LF, CR or CR LF.
        public enum LineEndings { case mixed, lf, crlf, cr }

        /// Field names: the real ones (more often) and near misses of them.
        public static let fieldNames = [
            "data", "data", "data", "data", "id", "id", "id", "event", "event", "retry",
            "dat", "datas", "ids", "Data", "eventx", "retr", "retryy", "x", "dataline", "identity", "eventual",
        ]

        /// The ASCII that values and padding are made of.
        public static let letters = Array("abcdefghijklmnopqrstuvwxyzABCXYZ".utf8)
        public static let digitBytes = Array("0123456789".utf8)
        public static let padding = Array("abcxyz0189 :-".utf8)
        /// Bytes a word-at-a-time search may mistake for line breaks: control bytes other than CR
        /// and LF, and CR and LF with the high bit set (invalid UTF-8 on their own).
        public static let controlBytes: [UInt8] = [0x00, 0x01, 0x09, 0x0B, 0x0C, 0x0E, 0x1F, 0x8A, 0x8D]

        /// Line starts for lines padded to a given length.
        public static let prefixes = [
            "data:", "data: ", "data: ", "id:", "id: ", "id: ", "event:", "event: ", ":", "retry:", "retry: ",
            "x: ", "datas:", "ids: ", "Data: ",
        ]

        private var random: Random
        private let lineEndings: LineEndings
        /// The stream written so far.
        public private(set) var bytes: [UInt8] = []

        /// The stream for `seed`; the same seed always gives the same bytes.
        public static func stream(seed: UInt64) -> [UInt8] {
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
}
