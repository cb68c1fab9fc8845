import Foundation

/// A running `sse serve`, started on a free port.
struct ServeProcess {
    /// The process.
    let process: ChildProcess
    /// Its standard error, after the line announcing the address.
    var errors: LineReader
    /// The server's base URL, for example `http://127.0.0.1:41234/`.
    let baseURL: String

    /// The reason the server did not start.
    struct StartFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `sse serve --port 0` with more arguments and waits until it listens.
    ///
    /// - Parameter arguments: Further arguments.
    /// - Throws: When the program is missing or exits before listening.
    init(_ arguments: [String] = []) async throws {
        process = try ChildProcess(try BuiltProducts.executable("sse"), arguments: ["serve", "--port", "0"] + arguments)
        errors = LineReader(process.standardError)
        guard let line = await errors.first(where: { $0.contains("serving http://") }),
              let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") })
        else {
            throw StartFailed(description: "sse serve exited before listening")
        }
        baseURL = String(url)
    }

    /// Writes one line to the server's standard input.
    func send(_ line: String) {
        process.send(line)
    }
}
