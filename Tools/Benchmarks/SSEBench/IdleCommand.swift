import ArgumentParser
import Foundation
import SSENIOServer
import SSEProtocol
import SSEServer
import SSETransport

/// `sse-bench idle`: opens many idle subscribers from another process and measures the
/// server's memory per connection.
struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Measures the server's resident memory per idle subscriber."
    )

    @Option(help: "How many idle subscribers connect.")
    var connections = 1000

    func run() async throws {
        BenchSupport.raiseOpenFileLimit(to: connections + 64)
        let server = EventServer()
        let http = try await EmbeddedHTTPServer.start(routes: ["/bench": server.handler(channel: "bench")])
        try server.publish(MessageEvent(data: "warm-up"), to: ["bench"])
        let before = BenchSupport.memoryKiB("VmRSS")
        print("server on 127.0.0.1:\(http.port) using \(before) KiB; connecting \(connections) idle subscribers")

        let (child, output) = try BenchSupport.spawnSelf([
            "subscribers", "--port", "\(http.port)", "--connections", "\(connections)",
        ])
        var buffer: [UInt8] = []
        guard BenchSupport.readLine(from: output, buffer: &buffer, where: { $0 == "ready" }) != nil else {
            throw ValidationError("the subscriber process ended before connecting")
        }
        while server.subscriberCount(channel: "bench") < connections { await Task.yield() }
        let after = BenchSupport.memoryKiB("VmRSS")
        print("\(connections) subscribers open; server uses \(after) KiB")
        child.terminate()
        child.waitUntilExit()
        server.close()
        try await http.shutdown()

        BenchSupport.printJSON([
            ("connections", "\(connections)"),
            ("rss_per_connection_kib", String(format: "%.2f", Double(after - before) / Double(connections))),
        ])
    }
}
