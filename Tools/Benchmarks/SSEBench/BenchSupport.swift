#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Helpers shared by the benchmark commands.
enum BenchSupport {
    /// Nanoseconds on the monotonic clock, comparable between processes on one machine.
    static func monotonicNanoseconds() -> UInt64 {
        nanoseconds(on: CLOCK_MONOTONIC)
    }

    /// Nanoseconds of CPU this process has used so far, in user and kernel mode, on all its threads.
    static func processCPUNanoseconds() -> UInt64 {
        nanoseconds(on: CLOCK_PROCESS_CPUTIME_ID)
    }

    /// The time of a POSIX clock, in nanoseconds.
    private static func nanoseconds(on clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// A value from `/proc/self/status` in KiB, for example `VmRSS` or `VmHWM`.
    static func memoryKiB(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }

    /// Raises the open-file limit to at least `needed`, as far as the hard limit allows.
    static func raiseOpenFileLimit(to needed: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let wanted = rlim_t(needed)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Starts this executable again with other arguments, reading its standard output.
    static func spawnSelf(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = Pipe()
        try process.run()
        return (process, output)
    }

    /// Reads lines from a pipe until one satisfies `match`.
    static func readLine(from pipe: Pipe, buffer: inout [UInt8], where match: (String) -> Bool) -> String? {
        while true {
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                if match(line) { return line }
            }
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            buffer.append(contentsOf: data)
        }
    }

    /// Prints a JSON object with keys in the given order.
    static func printJSON(_ fields: [(String, String)]) {
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }
}

/// Flushes standard output so that the parent process sees a progress line at once.
func fflushStandardOutput() {
    fflush(nil)
}
