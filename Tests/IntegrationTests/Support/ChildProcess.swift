import Foundation
import SSEProtocol
import Synchronization

/// A program a test starts, with pipes on its standard input, output and error.
///
/// Started with `posix_spawn` and waited for with `waitpid` on a thread of its own (Foundation's
/// `Process` sometimes never reports the exit of a child when many run at once). Its output
/// arrives as it is written, through ``standardOutput`` and ``standardError``; both end when the
/// program closes them (at the latest when it exits).
final class ChildProcess: Sendable {
    /// The bytes the program writes to standard output, chunk by chunk.
    let standardOutput: AsyncStream<[UInt8]>
    /// The bytes the program writes to standard error, chunk by chunk.
    let standardError: AsyncStream<[UInt8]>

    private let pid: pid_t
    private let input: LockedState<Int32>
    private let termination: AsyncStream<Int32>
    private let exited = Atomic(false)
    private static let spawnLock = LockedState(())

    /// A program that could not be started.
    struct SpawnFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts a program.
    ///
    /// - Parameters:
    ///   - executable: The program.
    ///   - arguments: Its arguments.
    /// - Throws: ``SpawnFailed`` when it cannot be started.
    init(_ executable: URL, arguments: [String] = []) throws {
        // Pipes get close-on-exec just after they are made; spawning under one lock keeps another
        // test's child from inheriting them in between (it would hold the pipes open).
        let (stdin, stdout, stderr, pid, status) = try Self.spawnLock.withLock { _ in
            let (stdin, stdout, stderr) = (try Self.makePipe(), try Self.makePipe(), try Self.makePipe())
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
            posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
            posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
            // Nothing else: an inherited socket would keep the test's connections open. Closing
            // a descriptor that is not open is ignored, so close a margin above the highest one.
            for descriptor in 3..<(Self.highestOpenDescriptor() + 256) {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
            let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
            for descriptor in [stdin.read, stdout.write, stderr.write] { close(descriptor) }
            return (stdin, stdout, stderr, pid, status)
        }
        guard status == 0 else {
            for descriptor in [stdin.write, stdout.read, stderr.read] { close(descriptor) }
            throw SpawnFailed(description: "cannot start \(executable.path): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.input = LockedState(stdin.write)
        standardOutput = Self.chunks(of: stdout.read)
        standardError = Self.chunks(of: stderr.read)
        let (termination, finished) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.termination = termination
        Thread.detachNewThread { [weak self, pid] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            self?.exited.store(true, ordering: .sequentiallyConsistent)
            // WIFEXITED: the exit code; otherwise 128 + the signal, as shells report it.
            finished.yield(status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + status & 0x7F)
            finished.finish()
        }
    }

    /// Writes one line to the program's standard input.
    ///
    /// - Parameter line: The line, without its newline.
    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        input.withLock { descriptor in
            var offset = 0
            while descriptor >= 0, offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Closes the program's standard input, so that it reads the end of input.
    func closeInput() {
        input.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    /// Sends a signal to the program, for example `SIGINT`.
    ///
    /// - Parameter signal: The signal number.
    func signal(_ signal: Int32) {
        if !exited.load(ordering: .sequentiallyConsistent) { kill(pid, signal) }
    }

    /// Waits for the program to exit.
    ///
    /// - Returns: Its exit status, or 128 plus the signal that ended it.
    func exitStatus() async -> Int32 {
        var iterator = termination.makeAsyncIterator()
        return await iterator.next() ?? -1
    }

    /// Kills the program (`SIGKILL`) unless it has exited.
    func terminate() {
        signal(SIGKILL)
        closeInput()
    }

    deinit {
        closeInput()
    }

    /// A pipe whose descriptors are closed in programs the test starts (the child's copies are
    /// made by `dup2`, which clears the flag).
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else {
            throw SpawnFailed(description: "pipe failed: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
    }

    /// The highest file descriptor open in this process.
    private static func highestOpenDescriptor() -> Int32 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.max() ?? 1024
    }

    /// The chunks read from a pipe on a thread of its own, until its end.
    private static func chunks(of descriptor: Int32) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                continuation.yield(Array(buffer[..<count]))
            }
            close(descriptor)
            continuation.finish()
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
