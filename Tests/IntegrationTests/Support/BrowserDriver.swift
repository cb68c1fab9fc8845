import Foundation

/// Headless Chromium driven through `Tools/browser/chromium-driver.py`, one command at a time.
///
/// Every command has its own deadline inside the driver, so a page that never reaches a
/// condition fails the command instead of hanging the test.
struct BrowserDriver {
    /// A command the driver refused or could not finish.
    struct CommandFailed: Error, CustomStringConvertible {
        let description: String
    }

    private let process: ChildProcess
    private var answers: LineReader

    /// Starts Chromium.
    ///
    /// - Parameter arguments: Further Chromium flags, such as `--ignore-certificate-errors`.
    /// - Throws: ``CommandFailed`` when Python or Chromium cannot be started.
    init(arguments: [String] = []) async throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/browser/chromium-driver.py")
        process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", script.path] + arguments)
        answers = LineReader(process.standardOutput)
        _ = try await answer()
    }

    /// Loads a page and waits for its load event.
    mutating func open(_ url: String) async throws {
        _ = try await run(["open": url])
    }

    /// Waits until a JavaScript expression is truthy on the page.
    ///
    /// - Parameters:
    ///   - expression: The condition, re-checked on every DOM change.
    ///   - seconds: The deadline.
    mutating func wait(until expression: String, seconds: Int = 30) async throws {
        _ = try await run(["wait": expression, "timeout": seconds])
    }

    /// Evaluates a JavaScript expression that returns a string.
    mutating func string(_ expression: String) async throws -> String {
        guard let value = try await run(["eval": expression]) as? String else {
            throw CommandFailed(description: "\(expression) did not return a string")
        }
        return value
    }

    /// Saves a PNG screenshot of the page.
    mutating func screenshot(to path: String) async throws {
        _ = try await run(["screenshot": path])
    }

    /// Stops Chromium: the driver closes it at the end of its input, then exits.
    func close() async {
        process.closeInput()
        _ = await process.exitStatus()
    }

    private mutating func run(_ command: [String: Any]) async throws -> Any? {
        let line = try JSONSerialization.data(withJSONObject: command)
        process.send(String(decoding: line, as: UTF8.self))
        return try await answer()
    }

    private mutating func answer() async throws -> Any? {
        guard let line = await answers.next() else {
            let errors = await process.standardError.collected()
            throw CommandFailed(description: "the browser driver exited: \(String(decoding: errors, as: UTF8.self))")
        }
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        if let error = object?["error"] { throw CommandFailed(description: "browser: \(error)") }
        return object?["ok"]
    }
}
