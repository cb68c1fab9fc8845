import ArgumentParser
import Foundation
import SSENIOServer
import SSEProtocol
import SSEServer
import SSETransport

/// `sse-bench fanout`: publishes events as fast as the server takes them to subscribers in
/// another process and measures delivery throughput.
struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Measures delivered events per second from one publisher to many subscribers."
    )

    @Option(help: "How many subscribers connect.")
    var subscribers = 100

    @Option(help: "How many events are published.")
    var events = 10_000

    @Option(help: "The size of each event's data, in bytes.")
    var size = 64

    func run() async throws {
        BenchSupport.raiseOpenFileLimit(to: subscribers + 64)
        let server = EventServer(configuration: .init(bufferSize: events + 16))
        let http = try await EmbeddedHTTPServer.start(routes: ["/bench": server.handler(channel: "bench")])
        print("server on 127.0.0.1:\(http.port); connecting \(subscribers) subscribers")

        let (child, output) = try BenchSupport.spawnSelf([
            "subscribers", "--port", "\(http.port)", "--connections", "\(subscribers)", "--events", "\(events)",
        ])
        var buffer: [UInt8] = []
        guard BenchSupport.readLine(from: output, buffer: &buffer, where: { $0 == "ready" }) != nil else {
            throw ValidationError("the subscriber process ended before connecting")
        }
        while server.subscriberCount(channel: "bench") < subscribers { await Task.yield() }
        print("publishing \(events) events of \(size) bytes")

        let data = String(repeating: "x", count: size)
        let start = BenchSupport.monotonicNanoseconds()
        for index in 0..<events {
            try server.publish(MessageEvent(id: String(index), data: data), to: ["bench"])
        }
        let published = BenchSupport.monotonicNanoseconds()
        print("published in \(Double(published - start) / 1e9) s; waiting for delivery")

        guard let done = BenchSupport.readLine(from: output, buffer: &buffer, where: { $0.hasPrefix("done") || $0.hasPrefix("lost") }),
              done.hasPrefix("done")
        else {
            throw ValidationError("a subscriber was disconnected")
        }
        let parts = done.split(separator: " ")
        let lastReceipt = UInt64(parts[1]) ?? start
        let delivered = Int(parts[2]) ?? 0
        let seconds = Double(lastReceipt - start) / 1e9
        let peakMiB = Double(BenchSupport.memoryKiB("VmHWM")) / 1024
        child.waitUntilExit()
        server.close()
        try await http.shutdown()

        BenchSupport.printJSON([
            ("subscribers", "\(subscribers)"),
            ("events", "\(events)"),
            ("delivered", "\(delivered)"),
            ("delivered_per_second", String(format: "%.0f", Double(delivered) / seconds)),
            ("publish_to_last_receipt_seconds", String(format: "%.4f", seconds)),
            ("server_peak_rss_mib", String(format: "%.1f", peakMiB)),
        ])
    }
}
