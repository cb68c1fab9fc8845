#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SSEProtocol
import SSEToolSupport

/// Prints the events `sse listen` receives: JSON lines as `sse decode` prints them, or colored
/// blocks for a person at a terminal.
struct EventPrinter {
    /// Whether events print as JSON lines.
    let json: Bool

    /// Prints one event and flushes it at once.
    func print(_ event: MessageEvent) {
        var output = OutputBuffer()
        if json {
            if let retry = event.retry { EventJSON.append(.retry(retry), to: &output) }
            EventJSON.append(.event(event), to: &output)
        } else {
            output.append("\u{1B}[1;36m\(event.type)\u{1B}[0m")
            if !event.lastEventID.isEmpty { output.append("  \u{1B}[2mid\u{1B}[0m \u{1B}[33m\(event.lastEventID)\u{1B}[0m") }
            if let retry = event.retry { output.append("  \u{1B}[2mretry \(retry)\u{1B}[0m") }
            output.append("\n")
            for line in event.data.split(separator: "\n", omittingEmptySubsequences: false) {
                output.append("  \(line)\n")
            }
        }
        output.flush()
    }
}
