import Foundation
import SSEClient
import SSEProtocol
import Testing

/// Checks the contract both news examples keep (`Examples/HummingbirdNews`, `Examples/VaporNews`):
/// the first line names the real port; `POST /events` answers `201` with the store's id; the stream
/// honours `--cors` and `--max-connection-time`; a client resuming after `Last-Event-ID` gets what
/// followed it; SIGTERM ends the program with status 0.
///
/// - Parameter name: The example's executable product.
public func expectNewsExampleContract(_ name: String) async throws {
    let example = try ExampleProcess(name, arguments: ["--port", "0", "--max-connection-time", "1", "--cors", "https://example.com"])
    let line = await example.firstLine()
    #expect(line.hasPrefix("listening on http://127.0.0.1:"))
    let port = try #require(Int(line.dropFirst("listening on http://127.0.0.1:".count)))
    #expect(port > 0)

    for (index, data) in ["first", "second"].enumerated() {
        let body = #"{"event":"headline","data":"\#(data)"}"#
        let post = "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let client = try await RawClient.send(post, port: port)
        try await eventually("the answer to POST \(index + 1)") { client.headAndBody?.body.count == #"{"id":"N"}"#.count }
        #expect(client.headAndBody?.head.hasPrefix("HTTP/1.1 201") == true)
        #expect(client.headAndBody.map { String(decoding: $0.body, as: UTF8.self) } == #"{"id":"\#(index + 1)"}"#)
        client.close()
    }

    // --cors: the stream answers the origin; --max-connection-time: it ends after a second.
    let stream = try await RawClient.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://example.com\r\n\r\n", port: port)
    try await eventually("the stream's head") { stream.headAndBody != nil }
    #expect(stream.headAndBody?.head.lowercased().contains("access-control-allow-origin: https://example.com") == true)
    try await eventually("the end of the stream at its maximum connection time") {
        stream.headAndBody.map { $0.body.suffix(5) == Array("0\r\n\r\n".utf8) } ?? false
    }
    stream.close()

    var configuration = EventSource.Configuration()
    configuration.lastEventID = "1"
    let source = try await EventSource.subscribe(to: URL(string: "http://127.0.0.1:\(port)/events")!, configuration: configuration)
    #expect(await nextEvents(1, from: source) == [MessageEvent(id: "2", event: "headline", data: "second")])
    source.close()
    let status = await example.terminate()
    #expect(status == 0, "exit status \(status), reason \(example.process.terminationReason.rawValue)")
}
