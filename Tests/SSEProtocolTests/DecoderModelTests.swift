import SSEProtocol
import SSETestSupport
import Testing

// The decoder finds line ends eight bytes at a time and with `memchr`, recognises `data:`, `id:`
// and `event:` by comparing a line's first eight bytes as one integer, and keeps single-line
// values as ranges of its input until the buffer is compacted. The spec vectors are too short to
// reach most of that, so these tests compare the decoder with a plain reference model on a few
// hundred seeded random streams, fed whole, in random chunks, a byte at a time and through
// `append(upTo:from:)`.

// The model itself lives in SSETestSupport (DecoderModel*.swift), shared with the fuzzer in
// Tools/Fuzz; what needs Swift Testing stays here.
extension DecoderModel {
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
            let reading = Model.Reading.allCases[Int(test.seed % UInt64(Model.Reading.allCases.count))]
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
        "nextView(_:), forEachAvailableView(_:), scanAvailableViews(while:) and forEachAvailableOutput(while:) give the same outputs as next()",
        arguments: [Model.Feeding.randomChunks, .rawBuffer, .whole],
        [Model.Reading.nextView, .forEachAvailableView, .forEachAvailableOutput, .scanAvailableViewsOneAtATime]
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
