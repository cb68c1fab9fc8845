import ArgumentParser
import Foundation
import SSENIOServer
import SSETransport

/// `sse-bench client`: how fast one client process consumes a local stream, end to end.
///
/// A local server streams one prebuilt body of small events (`id: N`, `event: tick`,
/// `data: {"n":N,"v":"xxxxxxxx"}`) as fast as the socket takes it. Each client is a whole process
/// of its own that reads every event and exits: a plain socket reader that counts blank lines
/// (the floor), then the default transport's body counted the same way (what AsyncHTTPClient
/// alone costs, so the most any client on it can reach), then `EventSource` consumed in a
/// detached task, then on the main actor, then in a
/// detached task again with the body read from memory instead of the socket (the client's own
/// cost, without the network's or the server's), and last the decoder's own sequence over the
/// same chunks in memory (what decoding and building the events cost without the client's
/// buffer). The ratios compare runs of the same command, so a noisy machine affects them all
/// alike.
///
/// Each client also reports the CPU its process spent per event, on all its threads. The server
/// runs in this process and takes its share of the cores; when the client's CPU per event over
/// the cores left is about its wall time per event, the machine, not waiting, is the limit.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Measures events per second consumed by one client process, against a plain socket read."
    )

    @Option(help: "How many events the stream holds.")
    var events = 1_000_000

    @Option(help: "How many times each client runs; the best run counts.")
    var rounds = 3

    func run() async throws {
        let body = StreamedBody.events(events)
        let http = try await EmbeddedHTTPServer.start(routes: ["/ticks": StreamedBody(bytes: body)])
        print("server on 127.0.0.1:\(http.port): \(events) events, \(body.count) bytes")
        var best: [ClientRunner.Mode: Double] = [:]
        var leastCPU: [ClientRunner.Mode: Double] = [:]
        for round in 1...rounds {
            for mode in ClientRunner.Mode.allCases {
                let run = try measure(mode, port: http.port)
                print(
                    "round \(round) \(mode.rawValue): \(String(format: "%.2f", run.rate / 1e6)) M events/s, "
                        + "\(String(format: "%.0f", run.cpuPerEvent)) ns CPU per event"
                )
                fflushStandardOutput()
                best[mode] = max(best[mode] ?? 0, run.rate)
                leastCPU[mode] = min(leastCPU[mode] ?? .infinity, run.cpuPerEvent)
            }
        }
        try await http.shutdown()
        let floor = best[.floor] ?? 1
        let transport = best[.transport] ?? 0
        let detached = best[.detached] ?? 0
        let main = best[.main] ?? 0
        let memory = best[.memory] ?? 0
        let decoder = best[.decoder] ?? 0
        BenchSupport.printJSON([
            ("events", "\(events)"),
            ("floor_events_per_second", String(format: "%.0f", floor)),
            ("transport_events_per_second", String(format: "%.0f", transport)),
            ("detached_events_per_second", String(format: "%.0f", detached)),
            ("main_actor_events_per_second", String(format: "%.0f", main)),
            ("in_memory_events_per_second", String(format: "%.0f", memory)),
            ("decoder_events_per_second", String(format: "%.0f", decoder)),
            ("floor_cpu_ns_per_event", String(format: "%.0f", leastCPU[.floor] ?? 0)),
            ("transport_cpu_ns_per_event", String(format: "%.0f", leastCPU[.transport] ?? 0)),
            ("detached_cpu_ns_per_event", String(format: "%.0f", leastCPU[.detached] ?? 0)),
            ("main_actor_cpu_ns_per_event", String(format: "%.0f", leastCPU[.main] ?? 0)),
            ("in_memory_cpu_ns_per_event", String(format: "%.0f", leastCPU[.memory] ?? 0)),
            ("decoder_cpu_ns_per_event", String(format: "%.0f", leastCPU[.decoder] ?? 0)),
            ("transport_to_floor", String(format: "%.3f", transport / floor)),
            ("detached_to_floor", String(format: "%.3f", detached / floor)),
            ("main_actor_to_detached", String(format: "%.3f", main / detached)),
        ])
    }

    /// Runs one client process and returns the events per second it reported, and the CPU it
    /// spent per event in nanoseconds.
    private func measure(_ mode: ClientRunner.Mode, port: Int) throws -> (rate: Double, cpuPerEvent: Double) {
        let (child, output) = try BenchSupport.spawnSelf([
            "client-run", "--mode", mode.rawValue, "--port", "\(port)", "--events", "\(events)",
        ])
        var buffer: [UInt8] = []
        let line = BenchSupport.readLine(from: output, buffer: &buffer) { $0.hasPrefix("done ") || $0.hasPrefix("failed ") }
        child.waitUntilExit()
        guard let line, line.hasPrefix("done ") else {
            throw ValidationError("the \(mode.rawValue) client failed: \(line ?? "no output")")
        }
        let parts = line.split(separator: " ")
        guard parts.count == 4, let count = Int(parts[1]), let nanoseconds = Double(parts[2]), let cpu = Double(parts[3]),
            count == events
        else {
            throw ValidationError("the \(mode.rawValue) client reported \(line), expected \(events) events")
        }
        return (Double(count) / (nanoseconds / 1e9), cpu / Double(count))
    }
}

/// Answers every request with the same complete body, written as fast as the peer takes it.
struct StreamedBody: HTTPServerHandler {
    /// The body: an event stream.
    let bytes: [UInt8]

    /// The bytes of `count` tick events, as the issue that asked for this benchmark measured.
    static func events(_ count: Int) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(count * 56)
        for index in 1...count {
            body.append(contentsOf: "id: \(index)\nevent: tick\ndata: {\"n\":\(index),\"v\":\"xxxxxxxx\"}\n\n".utf8)
        }
        return body
    }

    func handle(_ request: HTTPServerRequest, responder: any HTTPServerResponder) async {
        let writer = ChunkWriter(bytes: bytes, responder: responder)
        responder.execute {
            responder.setEventHandler { event in
                if event == .writable { writer.writeWhileWritable() }
            }
            responder.writeHead(HTTPServerResponseHead(status: 200, headers: [
                "Content-Type": "text/event-stream",
                "Content-Length": "\(bytes.count)",
            ]))
            writer.writeWhileWritable()
        }
    }
}

/// Writes a body in pieces while the responder is writable; used only on the responder's context.
private final class ChunkWriter: @unchecked Sendable {
    /// Large enough that the socket never runs dry between writes. With 64 KiB pieces each one
    /// waited for the channel to turn writable again, so the server, not the socket, set the
    /// floor (about 20 M events/s instead of 30–36 M) and flattered every client's ratio to it.
    private static let pieceSize = 1024 * 1024
    private let bytes: [UInt8]
    private let responder: any HTTPServerResponder
    private var offset = 0

    init(bytes: [UInt8], responder: any HTTPServerResponder) {
        self.bytes = bytes
        self.responder = responder
    }

    func writeWhileWritable() {
        while offset < bytes.count && responder.isWritable {
            // Advance first: flushing can report writability again before it returns.
            let start = offset
            offset = min(offset + Self.pieceSize, bytes.count)
            responder.write(Array(bytes[start..<offset]))
            responder.flush()
        }
        if offset == bytes.count {
            offset += 1
            responder.finish()
        }
    }
}
