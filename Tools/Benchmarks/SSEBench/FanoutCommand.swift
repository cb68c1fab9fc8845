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

    @Option(help: "Subscribe over HTTP/2 (TLS) instead: the subscribers are streams, multiplexed by curl over this many connections.")
    var http2Connections: Int?

    func run() async throws {
        BenchSupport.raiseOpenFileLimit(to: subscribers + 64)
        let server = EventServer(configuration: .init(bufferSize: events + 16))
        let http = try await EmbeddedHTTPServer.start(
            routes: ["/bench": server.handler(channel: "bench")],
            configuration: .init(protocols: http2Connections == nil ? .http1 : try CurlSubscribers.serverProtocols())
        )
        if let http2Connections {
            return try await runOverHTTP2(server, http, connections: http2Connections)
        }
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

    /// The same measurement with curl streams multiplexed over `connections` HTTP/2 connections.
    private func runOverHTTP2(_ server: EventServer, _ http: EmbeddedHTTPServer, connections: Int) async throws {
        let curl = try CurlSubscribers.start(url: "https://127.0.0.1:\(http.port)/bench", streams: subscribers, connections: connections)
        while server.subscriberCount(channel: "bench") < subscribers { await Task.yield() }
        print("publishing \(events) events of \(size) bytes to \(subscribers) streams on \(connections) HTTP/2 connections")
        let data = String(repeating: "x", count: size)
        var bytesPerStream = 0
        for index in 0..<events { bytesPerStream += "id: \(index)\ndata: \(data)\n\n".utf8.count }
        let start = BenchSupport.monotonicNanoseconds()
        let reading = Task.detached { curl.waitForBytes(perStream: bytesPerStream, streams: subscribers) }
        for index in 0..<events {
            try server.publish(MessageEvent(id: String(index), data: data), to: ["bench"])
        }
        let lastReceipt = await reading.value
        let seconds = Double(lastReceipt - start) / 1e9
        let peakMiB = Double(BenchSupport.memoryKiB("VmHWM")) / 1024
        curl.terminate()
        server.close()
        try await http.shutdown()
        BenchSupport.printJSON([
            ("subscribers", "\(subscribers)"),
            ("protocol", "\"h2 over \(connections) TLS connections\""),
            ("events", "\(events)"),
            ("delivered_per_second", String(format: "%.0f", Double(events * subscribers) / seconds)),
            ("publish_to_last_receipt_seconds", String(format: "%.4f", seconds)),
            ("server_peak_rss_mib", String(format: "%.1f", peakMiB)),
        ])
    }
}
