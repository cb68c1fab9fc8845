import SSEProtocol

// A plain reference model of the WHATWG event stream rules, random streams that lean on the
// decoder's fast paths, and a runner that feeds a stream to a real `EventStreamDecoder` in chunks
// and reads it back. The model tests (SSEProtocolTests) and the differential fuzzer
// (Tools/Fuzz) both use it.

/// The reference model, the random streams and the helpers that feed them to a real decoder.
public enum DecoderModel {
    /// What the decoder reads out of a stream.
    public typealias Output = EventStreamDecoder.Output
    /// How the decoder is configured.
    public typealias Configuration = EventStreamDecoder.Configuration

    /// The seeds of the generated streams; a failure names its seed, so it reproduces.
    public static let seeds: [UInt64] = Array(1...300)

    /// One generated stream and what the model makes of it, with and without comments.
    public struct Case: Sendable {
        /// The seed the stream was generated from.
        public let seed: UInt64
        /// The generated stream.
        public let input: [UInt8]
        private let withComments: Reference.Trace
        private let withoutComments: Reference.Trace

        /// Generates the stream for `seed` and decodes it with the model.
        public init(seed: UInt64) {
            self.seed = seed
            input = Generator.stream(seed: seed)
            withComments = Reference.decode(input, configuration: DecoderModel.configuration(reportsComments: true, seed: seed))
            withoutComments = Reference.decode(input, configuration: DecoderModel.configuration(reportsComments: false, seed: seed))
        }

        /// The configuration to decode with: see ``DecoderModel/configuration(reportsComments:seed:)``.
        public func configuration(reportsComments: Bool) -> Configuration {
            DecoderModel.configuration(reportsComments: reportsComments, seed: seed)
        }

        /// The model's trace for ``configuration(reportsComments:)``.
        public func trace(reportsComments: Bool) -> Reference.Trace {
            reportsComments ? withComments : withoutComments
        }

        /// The seed and the input, for a failure message.
        public var description: String { "seed \(seed), input \"\(DecoderModel.escaped(input))\"" }
    }

    /// Every seed's stream and model results, built once for all the tests.
    public static let cases: [Case] = seeds.map(Case.init(seed:))

    /// The lengths around the decoder's word size and its 48-byte switch to `memchr`.
    public static let edgeLengths = [7, 8, 9, 15, 16, 17, 47, 48, 49]

    /// Everything a decoder made of one stream: its outputs, how it ended, and its state after.
    public struct Result: Equatable, Sendable {
        /// The events, comments and retry values, in order.
        public var outputs: [Output]
        /// `nil` for a clean end, else the error the last `next()` threw.
        public var ending: EventStreamError?
        /// The last event ID at the end.
        public var lastEventID: String
        /// How many complete lines were read.
        public var completedLines: Int

        /// A result with these parts.
        public init(outputs: [Output], ending: EventStreamError?, lastEventID: String, completedLines: Int) {
            self.outputs = outputs
            self.ending = ending
            self.lastEventID = lastEventID
            self.completedLines = completedLines
        }
    }

    /// A deterministic generator, so every stream and chunking reproduces from its seed.
    public typealias Random = SplitMix64


    /// The configuration a stream is checked with: comments on or off, and for every third seed
    /// a last event ID to start from.
    public static func configuration(reportsComments: Bool, seed: UInt64) -> Configuration {
        Configuration(reportsComments: reportsComments, lastEventID: seed % 3 == 0 ? "resumé-0" : "")
    }

    /// Where two results first differ, for a failure message.
    public static func difference(_ actual: Result, _ expected: Result) -> String {
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
    public static func escaped(_ bytes: some Sequence<UInt8>) -> String {
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
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
