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

    @Option(help: "Subscribe over HTTP/2 (TLS) instead: the subscribers are streams, multiplexed by curl over this many connections.")
    var http2Connections: Int?

    func run() async throws {
        BenchSupport.raiseOpenFileLimit(to: connections + 64)
        let server = EventServer()
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/bench": server.handler(channel: "bench")],
            configuration: .init(protocols: http2Connections == nil ? .http1 : try CurlSubscribers.serverProtocols())
        )
        try server.publish(MessageEvent(data: "warm-up"), to: ["bench"])
        let before = BenchSupport.memoryKiB("VmRSS")
        print("server on 127.0.0.1:\(http.port) using \(before) KiB; connecting \(connections) idle subscribers")

        let stop: () -> Void
        if let http2Connections {
            let curl = try CurlSubscribers.start(
                url: "https://127.0.0.1:\(http.port)/bench", streams: connections, connections: http2Connections
            )
            stop = { curl.terminate() }
        } else {
            let (child, output) = try BenchSupport.spawnSelf([
                "subscribers", "--port", "\(http.port)", "--connections", "\(connections)",
            ])
            var buffer: [UInt8] = []
            guard BenchSupport.readLine(from: output, buffer: &buffer, where: { $0 == "ready" }) != nil else {
                throw ValidationError("the subscriber process ended before connecting")
            }
            stop = {
                child.terminate()
                child.waitUntilExit()
            }
        }
        while server.subscriberCount(channel: "bench") < connections { await Task.yield() }
        let after = BenchSupport.memoryKiB("VmRSS")
        print("\(connections) subscribers open; server uses \(after) KiB")
        stop()
        server.close()
        try await http.shutdown()

        BenchSupport.printJSON([
            ("connections", "\(connections)"),
            ("protocol", http2Connections.map { "\"h2 over \($0) TLS connections\"" } ?? "\"http/1.1\""),
            ("rss_per_connection_kib", String(format: "%.2f", Double(after - before) / Double(connections))),
        ])
    }
}
