import SSEProtocol
import SSETestSupport

// A differential libFuzzer target: every input is decoded by the reference model
// (`DecoderModel.Reference`, written straight from the WHATWG rules) and by the real
// `EventStreamDecoder`, fed whole and in chunks; any difference in outputs, ending, last event ID
// or line count traps, and libFuzzer saves the input as a crash file.
//
// The first byte of an input is not part of the stream; it picks how the stream is decoded:
//   bit 0     report comments
//   bit 1     start from the last event ID "resumé-0"
//   bits 2-3  how bytes reach the decoder (`DecoderModel.Feeding`: whole, random chunks of 1 to
//             70 bytes, one byte at a time, `append(upTo:from:)`)
//   bits 4-5  how outputs are read (`DecoderModel.Reading`: next(), nextView(_:),
//             forEachAvailableView(_:); 3 wraps to next())
//   bit 6     read at most 0 to 2 outputs after each chunk, so unread lines pile up in the buffer
// The chunk sizes come from a hash of the whole input, so a saved input reproduces exactly.

/// Decodes one input both ways and traps when they differ; libFuzzer calls it for every input.
func decoderFuzzTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: start, count: count)
    let control = bytes[0]
    let input = Array(bytes.dropFirst())
    let configuration = DecoderModel.Configuration(
        reportsComments: control & 0b1 != 0,
        lastEventID: control & 0b10 != 0 ? "resumé-0" : ""
    )
    let feeding = DecoderModel.Feeding.allCases[Int(control >> 2) & 0b11]
    let reading = DecoderModel.Reading.allCases[(Int(control >> 4) & 0b11) % DecoderModel.Reading.allCases.count]
    let expected = DecoderModel.Reference.decode(input, configuration: configuration).result

    var runner = DecoderModel.Runner(input, configuration: configuration, feeding: feeding, seed: fnv1a(bytes), reading: reading)
    if control & 0b100_0000 != 0 { runner.readsAtMost = 0...2 }
    check(runner.finish(), expected, "\(feeding), \(reading), readsAtMost \(runner.readsAtMost.map { "\($0)" } ?? "all")", input)

    // The whole stream in one append and read with next(): the plainest path, as a baseline.
    var whole = DecoderModel.Runner(input, configuration: configuration, feeding: .whole, seed: 0)
    check(whole.finish(), expected, "whole, next", input)
    return 0
}

/// Traps with a description of the first difference unless `actual` equals `expected`.
private func check(_ actual: DecoderModel.Result, _ expected: DecoderModel.Result, _ context: String, _ input: [UInt8]) {
    guard actual != expected else { return }
    fatalError("decoder differs from the model (\(context)): \(DecoderModel.difference(actual, expected)); input \"\(DecoderModel.escaped(input))\"")
}

/// The 64-bit FNV-1a hash of `bytes`: a chunking seed that depends on the whole input.
private func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash
}
