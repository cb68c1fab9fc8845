import SSETestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Writes the decoder fuzzer's seed corpus (Tools/Fuzz/Corpus): the first 36 of the model tests'
// generated streams that are at most 700 bytes long, each behind a control byte that varies the
// configuration, feeding and reading (see DecoderFuzz.swift). Usage: WriteSeedCorpus FOLDER

guard CommandLine.arguments.count == 2 else {
    print("usage: WriteSeedCorpus FOLDER")
    exit(2)
}
let folder = CommandLine.arguments[1]
var written = 0
var seed: UInt64 = 1
while written < 36 {
    let stream = DecoderModel.Generator.stream(seed: seed)
    if stream.count <= 700 {
        let bytes = [UInt8(truncatingIfNeeded: seed &* 37)] + stream
        let path = "\(folder)/generated-\(seed)"
        guard let file = fopen(path, "wb"), fwrite(bytes, 1, bytes.count, file) == bytes.count, fclose(file) == 0 else {
            print("WriteSeedCorpus: cannot write \(path)")
            exit(1)
        }
        written += 1
    }
    seed += 1
}
