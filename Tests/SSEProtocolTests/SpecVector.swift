import SSEProtocol

/// One parsing rule of the WHATWG spec, as input bytes and what a decoder must make of them.
struct SpecVector: CustomTestStringConvertible, Sendable {
    let name: String
    let input: [UInt8]
    let outputs: [EventStreamDecoder.Output]
    let endsWith: EventStreamError?

    init(_ name: String, _ input: String, _ outputs: [EventStreamDecoder.Output], endsWith: EventStreamError? = nil) {
        self.init(name, Array(input.utf8), outputs, endsWith: endsWith)
    }

    init(_ name: String, _ input: [UInt8], _ outputs: [EventStreamDecoder.Output], endsWith: EventStreamError? = nil) {
        self.name = name
        self.input = input
        self.outputs = outputs
        self.endsWith = endsWith
    }

    var testDescription: String { name }
}

import Testing

/// Shorthand for an expected event.
func event(
    _ data: String,
    type: String = "",
    id: String = "",
    lastEventID: String? = nil,
    retry: Duration? = nil
) -> EventStreamDecoder.Output {
    .event(MessageEvent(id: id, event: type, data: data, lastEventID: lastEventID ?? id, retry: retry))
}

/// Decodes `chunks` one after another, collecting outputs until the end or the first error.
func decode(
    _ chunks: [ArraySlice<UInt8>],
    configuration: EventStreamDecoder.Configuration = .init(reportsComments: true)
) -> (outputs: [EventStreamDecoder.Output], error: EventStreamError?) {
    var decoder = EventStreamDecoder(configuration: configuration)
    var outputs: [EventStreamDecoder.Output] = []
    do {
        for chunk in chunks {
            decoder.append(chunk)
            while let output = try decoder.next() { outputs.append(output) }
        }
        decoder.finish()
        while let output = try decoder.next() { outputs.append(output) }
        return (outputs, nil)
    } catch {
        return (outputs, error)
    }
}

/// Every way of cutting `bytes` into two chunks, plus one byte at a time.
func chunkings(of bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
    var result = (0...bytes.count).map { [bytes[..<$0], bytes[$0...]] }
    result.append(bytes.indices.map { bytes[$0...$0] })
    return result
}
