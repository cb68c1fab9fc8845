import Foundation
import Synchronization

/// A program a test starts, with pipes on its standard input, output and error.
///
/// Its output arrives as it is written, through ``standardOutput`` and ``standardError``; both
/// end when the program closes them (at the latest when it exits).
final class ChildProcess: Sendable {
    /// The bytes the program writes to standard output, chunk by chunk.
    let standardOutput: AsyncStream<[UInt8]>
    /// The bytes the program writes to standard error, chunk by chunk.
    let standardError: AsyncStream<[UInt8]>

    private let process: Process
    private let input: FileHandle
    private let termination: AsyncStream<Int32>
    private let exited: Mutex<Bool>

    /// Starts a program.
    ///
    /// - Parameters:
    ///   - executable: The program.
    ///   - arguments: Its arguments.
    /// - Throws: When it cannot be started.
    init(_ executable: URL, arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let (stdin, stdout, stderr) = (Pipe(), Pipe(), Pipe())
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        standardOutput = Self.chunks(of: stdout.fileHandleForReading)
        standardError = Self.chunks(of: stderr.fileHandleForReading)
        let (termination, finished) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.process = process
        self.input = stdin.fileHandleForWriting
        self.termination = termination
        self.exited = Mutex(false)
        process.terminationHandler = { [weak self] process in
            self?.exited.withLock { $0 = true }
            finished.yield(process.terminationStatus)
            finished.finish()
        }
        try process.run()
    }

    /// Writes one line to the program's standard input.
    ///
    /// - Parameter line: The line, without its newline.
    func send(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    /// Closes the program's standard input, so that it reads the end of input.
    func closeInput() {
        try? input.close()
    }

    /// Sends a signal to the program, for example `SIGINT`.
    ///
    /// - Parameter signal: The signal number.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the program to exit.
    ///
    /// - Returns: Its exit status.
    func exitStatus() async -> Int32 {
        var iterator = termination.makeAsyncIterator()
        return await iterator.next() ?? process.terminationStatus
    }

    /// Kills the program (`SIGKILL`) unless it has exited.
    func terminate() {
        if !exited.withLock({ $0 }) { kill(process.processIdentifier, SIGKILL) }
    }

    /// The chunks read from a pipe, until its end.
    private static func chunks(of handle: FileHandle) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        handle.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else {
                continuation.yield(Array(data))
            }
        }
        return stream
    }
}

extension ChildProcess {
    /// What a program printed, and how it exited.
    struct Completion {
        /// The exit status.
        let status: Int32
        /// Everything written to standard output.
        let output: String
        /// Everything written to standard error.
        let errors: String
    }

    /// Runs a program to its end, with nothing on its standard input.
    ///
    /// - Parameters:
    ///   - executable: The program.
    ///   - arguments: Its arguments.
    /// - Returns: Its output and exit status.
    /// - Throws: When it cannot be started.
    static func run(_ executable: URL, arguments: [String] = []) async throws -> Completion {
        let child = try ChildProcess(executable, arguments: arguments)
        child.closeInput()
        async let errors = child.standardError.collected()
        let output = await child.standardOutput.collected()
        let status = await child.exitStatus()
        return Completion(
            status: status,
            output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: await errors, as: UTF8.self)
        )
    }
}

extension AsyncStream<[UInt8]> {
    /// Every byte until the end of the stream.
    func collected() async -> [UInt8] {
        var bytes: [UInt8] = []
        for await chunk in self { bytes += chunk }
        return bytes
    }
}
