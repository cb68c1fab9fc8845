import Foundation
import SSETestSupport

/// Runs `curl` with `arguments` to its end and returns what it wrote to standard output and to
/// standard error; the caller makes sure the response ends (curl's `--max-time` bounds it).
func curl(_ arguments: [String]) async throws -> (output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["curl", "--silent", "--show-error", "--no-buffer", "--max-time", "30"] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read both pipes to their ends off the cooperative pool: curl blocks if either fills up.
    async let out = readToEnd(output.fileHandleForReading)
    async let err = readToEnd(errors.fileHandleForReading)
    let result = (String(decoding: await out, as: UTF8.self), String(decoding: await err, as: UTF8.self))
    await onThreadOfItsOwn { process.waitUntilExit() }
    return result
}

/// Reads a pipe to its end on a thread of its own, retrying reads a signal interrupted
/// (`FileHandle.readToEnd()` traps on `EINTR`).
private func readToEnd(_ handle: FileHandle) async -> Data {
    let descriptor = handle.fileDescriptor
    return await onThreadOfItsOwn {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return data
    }
}
