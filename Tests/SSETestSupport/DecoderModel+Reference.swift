import SSEProtocol

extension DecoderModel {
    /// A deliberately simple decoder of a whole stream, written straight from the WHATWG rules.
    public enum Reference {
        /// The model's result plus what it knew after each complete line, to check a decoder
        /// between chunks.
        public struct Trace: Sendable {
            /// The whole stream's result.
            public var result: Result
            /// For each complete line, the input offset of the byte that completed it (the CR of
            /// a CR LF pair), in increasing order.
            public var lineEnds: [Int] = []
            /// The stream's last event ID after each complete line.
            public var lastEventIDs: [String] = []
            /// How many outputs there were after each complete line.
            public var outputCounts: [Int] = []
            /// The last event ID the stream started with.
            public var initialLastEventID: String

            /// How many lines the first `prefix` bytes of the input complete.
            public func linesCompleted(byPrefix prefix: Int) -> Int {
                var low = 0
                var high = lineEnds.count
                while low < high {
                    let middle = (low + high) / 2
                    if lineEnds[middle] < prefix { low = middle + 1 } else { high = middle }
                }
                return low
            }

            /// The last event ID once `lines` lines are complete.
            public func lastEventID(afterLines lines: Int) -> String {
                lines == 0 ? initialLastEventID : lastEventIDs[lines - 1]
            }

            /// How many outputs there are once `lines` lines are complete.
            public func outputCount(afterLines lines: Int) -> Int {
                lines == 0 ? 0 : outputCounts[lines - 1]
            }
        }

        /// Decodes the whole of `input` as a WHATWG `EventSource` would, reporting comments when
        /// `configuration` asks for them and starting from its last event ID.
        public static func decode(_ input: [UInt8], configuration: Configuration) -> Trace {
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
        public static func splitLines(
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
        public static func splitField(_ line: ArraySlice<UInt8>) -> (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return (line, line[line.endIndex...]) }
            var value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            return (line[..<colon], value)
        }

        /// A `retry` value: non-empty ASCII digits that fit in `Int64`, else `nil`.
        public static func milliseconds(_ value: ArraySlice<UInt8>) -> Int64? {
            guard !value.isEmpty, value.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return Int64(text(value))
        }

        /// `bytes` as a string, invalid UTF-8 repaired as the decoder repairs it.
        public static func text(_ bytes: some Collection<UInt8>) -> String {
            String(decoding: bytes, as: UTF8.self)
        }
    }
}
