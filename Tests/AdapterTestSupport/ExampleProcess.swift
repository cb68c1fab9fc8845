import Foundation
import SSETestSupport

/// A built example executable running as a child process, with its first line of standard
/// output read.
public final class ExampleProcess: @unchecked Sendable {
    /// The running program.
    public let process = Process()
    private let output = Pipe()

    /// Starts the product `name` (built beside the test runner) with `arguments`.
    public init(_ name: String, arguments: [String]) throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestFailure("\(name) is not built: run `swift build --product \(name)` first")
        }
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// The first line the program writes to standard output, without its newline.
    public func firstLine() async -> String {
        let handle = output.fileHandleForReading
        // Blocking reads: on a thread of their own, not on the cooperative pool.
        return await onThreadOfItsOwn {
            var line: [UInt8] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                line.append(contentsOf: data)
                if let end = line.firstIndex(of: UInt8(ascii: "\n")) {
                    line = Array(line[..<end])
                    break
                }
            }
            return String(decoding: line, as: UTF8.self)
        }
    }

    /// Asks the program to shut down gracefully and returns its exit status.
    public func terminate() async -> Int32 {
        process.terminate()
        return await onThreadOfItsOwn { [process] in
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}
