// TimeTicker: the Swift port of the Go package's Event example.
//
// A server publishes a tick every second to channel "time", and a client subscribed to it
// prints each event: `ID TYPE DATA`, five times. Run it with `swift run TimeTicker`, or
// `swift run TimeTicker --port 8080` to choose the port (a free one by default).

import Foundation
import SSEClient
import SSENIOServer
import SSEProtocol
import SSEServer
import SSETransport

/// A moment in time sent as an event (Go: `type TimeEvent time.Time`).
struct TimeEvent: ServerSentEvent {
    let time: Date

    /// Unix nanoseconds, as Go's `time.Time.UnixNano`.
    var id: String { String(Int64((time.timeIntervalSince1970 * 1_000_000_000).rounded())) }
    var event: String { "Tick" }
    /// The time as Go prints a UTC `time.Time`: `2013-01-01 00:00:00 +0000 UTC`.
    var data: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss '+0000 UTC'"
        return formatter.string(from: time)
    }
}

let tickCount = 5

/// Publishes one tick a second, starting at 2013-01-01 00:00:00 UTC (Go: `TimePublisher`).
func publishTimes(to server: EventServer) async throws {
    var time = Date(timeIntervalSince1970: 1_356_998_400)
    let clock = ContinuousClock()
    var tick = clock.now
    for _ in 0..<tickCount {
        tick += .seconds(1)
        try await clock.sleep(until: tick)
        try server.publish(TimeEvent(time: time), to: ["time"])
        time += 1
    }
}

/// The port given with `--port N`, or 0 for a free one.
let port = CommandLine.arguments.drop { $0 != "--port" }.dropFirst().first.flatMap { Int($0) } ?? 0

let server = EventServer(configuration: .init(gzip: true))
let http = try await EmbeddedHTTPServer.start(host: "127.0.0.1", port: port, routes: [
    "/time": server.handler(channel: "time"),
])

let stream = try await EventSource.subscribe(to: URL(string: "http://127.0.0.1:\(http.port)/time")!)
// The client is subscribed once `subscribe` returns, so no tick is published before it listens.
let publisher = Task { try await publishTimes(to: server) }

for await event in stream.events.prefix(tickCount) {
    print(event.id, event.event, event.data)
}

try await publisher.value
stream.close()
server.close()
try await http.shutdown()
