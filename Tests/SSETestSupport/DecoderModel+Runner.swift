import SSEProtocol

extension DecoderModel {
    /// How a stream's bytes reach the decoder.
    public enum Feeding: String, CaseIterable, Sendable {
        /// One `append(_:)` with everything.
        case whole
        /// `append(_:)` with random chunks of 1 to 70 bytes (some as a non-contiguous sequence).
        case randomChunks
        /// `append(_:)` with one byte at a time.
        case oneByteAtATime
        /// `append(upTo:from:)` with a random `maximumCount` of 1 to 24, sometimes filling less or nothing.
        case rawBuffer
    }

    /// How outputs are read from the decoder.
    public enum Reading: String, CaseIterable, Sendable {
        /// `next()` until it returns `nil`.
        case next
        /// `nextView(_:)` until it returns `false`, building from each view what `next()` would.
        case nextView
        /// One `forEachAvailableView(_:)` call, building from each view what `next()` would.
        case forEachAvailableView
        /// `forEachAvailableOutput(while:)`, stopping it when the read limit is reached.
        case forEachAvailableOutput
        /// `scanAvailableViews(while:)` stopped after every output, and called again until it
        /// says the input is used up, building from each view what `next()` would.
        case scanAvailableViewsOneAtATime
    }

    /// A decoder being fed one stream, collecting its outputs; copying a runner copies its decoder.
    public struct Runner {
        /// The decoder being fed.
        public var decoder: EventStreamDecoder
        /// The whole stream.
        public let input: [UInt8]
        /// How the rest of the stream reaches the decoder.
        public var feeding: Feeding
        /// How outputs are read.
        public var reading: Reading
        /// When set, each step reads only a random number of outputs in this range (with `next()`
        /// or `nextView(_:)`), so unread lines pile up in the buffer across appends; the rest
        /// are read at the end.
        public var readsAtMost: ClosedRange<Int>?
        /// Chooses chunk sizes; reseed it to feed a copy differently.
        public var random: Random
        /// How many bytes of `input` the decoder has taken.
        public private(set) var position = 0
        /// Every output read so far.
        public private(set) var outputs: [Output] = []
        /// The error a read threw, which ends the stream; `nil` while it goes on.
        public private(set) var ending: EventStreamError?

        /// A runner that feeds `input` as `feeding` says, with chunk sizes drawn from `seed`.
        public init(_ input: [UInt8], configuration: Configuration, feeding: Feeding, seed: UInt64, reading: Reading = .next) {
            decoder = EventStreamDecoder(configuration: configuration)
            self.input = input
            self.feeding = feeding
            self.reading = reading
            random = Random(seed: seed)
        }

        /// Whether part of `input` has not been fed yet.
        public var hasInputLeft: Bool { position < input.count }

        /// Feeds the next chunk (never past `limit`), then reads every output it completes unless
        /// `draining` is `false`.
        public mutating func step(upTo limit: Int? = nil, draining: Bool = true) {
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

        /// Reads outputs until the decoder wants more input, or `limit` of them (except with
        /// `forEachAvailableView(_:)`).
        public mutating func drain(atMost limit: Int = .max) {
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
                case .forEachAvailableOutput:
                    guard limit > 0 else { break }
                    _ = try decoder.forEachAvailableOutput { output in
                        collected.append(output)
                        return collected.count < limit
                    }
                case .scanAvailableViewsOneAtATime:
                    while collected.count < limit {
                        let usedUp = try decoder.scanAvailableViews { view in
                            collected.append(DecoderModel.output(from: view))
                            return false
                        }
                        if usedUp { break }
                    }
                }
            } catch {
                ending = error
            }
            outputs += collected
        }

        /// Feeds the rest, marks the end and drains; call once.
        public mutating func finish() -> Result {
            while hasInputLeft, ending == nil { step() }
            if ending == nil {
                decoder.finish()
                drain()
            }
            return Result(outputs: outputs, ending: ending, lastEventID: decoder.lastEventID, completedLines: decoder.completedLines)
        }
    }

    /// Decodes `input` with a real decoder from start to end.
    public static func decode(
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
    public static func output(from view: OutputView) -> Output {
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
}
