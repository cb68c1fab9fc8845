#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import SSEToolSupport

/// Finds and starts `sse-network`, the program behind `sse listen` and `sse serve`.
///
/// It replaces this process (`execv`), so signals such as Ctrl-C and the exit status belong to
/// `sse-network` directly. It is looked for next to this program first (where `swift build`
/// puts it), then on `PATH`.
enum NetworkProgram {
    static let name = "sse-network"

    /// Runs `sse-network SUBCOMMAND ARGUMENTS...` in place of this process.
    ///
    /// - Throws: `ExitCode.failure`, after saying why, when the program is missing or cannot start.
    static func run(subcommand: String, arguments: [String]) throws -> Never {
        guard let path = locate() else {
            printError("""
                sse \(subcommand) is run by the \(name) program, which is neither next to sse nor on \
                PATH; build it with: swift build --product \(name)
                """)
            throw ExitCode.failure
        }
        let argv = ([name, subcommand] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        printError("cannot run \(path): \(String(cString: strerror(errno)))")
        throw ExitCode.failure
    }

    /// The path of `sse-network`: beside this executable, else the first on `PATH`.
    static func locate() -> String? {
        var directories: [String] = []
        if let own = ownExecutablePath(), let slash = own.lastIndex(of: "/") {
            directories.append(String(own[..<slash]))
        }
        if let path = getenv("PATH") {
            directories += String(cString: path).split(separator: ":").map(String.init)
        }
        return directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// This program's own path, resolved by the system rather than taken from `argv[0]`.
    private static func ownExecutablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        #if canImport(Darwin)
        var size = UInt32(buffer.count)
        guard _NSGetExecutablePath(&buffer, &size) == 0 else { return nil }
        return String(cString: buffer)
        #else
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #endif
    }
}
