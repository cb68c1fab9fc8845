#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import ContractTestService
import SSEAsyncHTTPClient
import SSETransport
import Testing

/// Drives the contract-test service the way a harness does: a scripted stream server, a
/// callback server that records what the service reports, and HTTP requests to the service.
@Suite(.timeLimit(.minutes(1))) struct ContractServiceTests {
    private struct Callback: Decodable, Equatable {
        struct Event: Decodable, Equatable {
            var type: String
            var data: String
            var id: String
        }

        var kind: String
        var event: Event?
        var comment: String?
        var error: String?
    }

    private static func send(_ method: String, _ url: String, _ body: String? = nil) async throws -> (Int, String, HTTPHeaderFields) {
        let response = try await AsyncHTTPClientTransport.shared.send(
            ClientRequest(url: URL(string: url)!, method: method, body: body.map { Array($0.utf8) })
        )
        var bytes: [UInt8] = []
        for try await chunk in response.body { bytes += chunk }
        return (response.status, String(decoding: bytes, as: UTF8.self), response.headers)
    }

    private static let stream: ScriptedServer.Script = { request, connection in
        try await connection.writeStreamHead()
        if request.index == 0 {
            try await connection.write("id: 1\nevent: greet\ndata: hi\n\n:note\n")
        } else {
            try await connection.write("data: again\n\n")
        }
        await connection.waitForClientToClose()
    }

    private static let acceptCallbacks: ScriptedServer.Script = { _, connection in
        try await connection.writeResponse(status: "200 OK")
    }

    @Test func aHarnessCanCreateRestartAndDeleteStreamsAndStopTheService() async throws {
        try await withTimeout {
            try await ScriptedServer.run(Self.stream) { streamServer in
                try await ScriptedServer.run(Self.acceptCallbacks) { callbackServer in
                    let service = ContractService(host: "127.0.0.1", port: 0)
                    let (ports, portSink) = AsyncStream<Int>.makeStream()
                    async let served: Void = service.run { portSink.yield($0) }
                    var portIterator = ports.makeAsyncIterator()
                    let base = "http://127.0.0.1:\(await portIterator.next()!)"

                    let (status, body, _) = try await Self.send("GET", base + "/")
                    #expect(status == 200)
                    for capability in ["comments", "headers", "last-event-id", "post", "report", "read-timeout", "restart"] {
                        #expect(body.contains("\"\(capability)\""))
                    }
                    #expect(try await Self.send("POST", base + "/", "{not json").0 == 400)

                    let options = """
                    {"streamUrl": "\(streamServer.url().absoluteString)", "callbackUrl": "\(callbackServer.baseURL)/cb",
                     "tag": "t", "initialDelayMs": 0, "lastEventId": "0", "headers": {"x-test": "yes"}}
                    """
                    let (created, _, headers) = try await Self.send("POST", base + "/", options)
                    #expect(created == 201)
                    let location = try #require(headers["Location"])

                    var callbacks = callbackServer.requests.makeAsyncIterator()
                    let decoder = JSONDecoder()
                    let first = try #require(await callbacks.next())
                    #expect(first.uri == "/cb/1")
                    #expect(try decoder.decode(Callback.self, from: Data(first.body))
                        == Callback(kind: "event", event: .init(type: "greet", data: "hi", id: "1")))
                    let second = try #require(await callbacks.next())
                    #expect(second.uri == "/cb/2")
                    #expect(try decoder.decode(Callback.self, from: Data(second.body)) == Callback(kind: "comment", comment: "note"))

                    var streamRequests = streamServer.requests.makeAsyncIterator()
                    let initial = try #require(await streamRequests.next())
                    #expect(initial.headers["x-test"] == ["yes"])
                    #expect(initial.headers["Last-Event-ID"] == ["0"])

                    #expect(try await Self.send("POST", location, #"{"command":"restart"}"#).0 / 100 == 2)
                    let third = try #require(await callbacks.next())
                    #expect(third.uri == "/cb/3")
                    #expect(try decoder.decode(Callback.self, from: Data(third.body))
                        == Callback(kind: "event", event: .init(type: "message", data: "again", id: "1")))
                    #expect(try #require(await streamRequests.next()).headers["Last-Event-ID"] == ["1"])

                    #expect(try await Self.send("POST", location, #"{"command":"explode"}"#).0 == 400)
                    #expect(try await Self.send("POST", base + "/streams/999", #"{"command":"restart"}"#).0 == 404)
                    #expect(try await Self.send("DELETE", location).0 == 204)
                    #expect(try await Self.send("DELETE", location).0 == 404)
                    #expect(try await Self.send("DELETE", base + "/").0 / 100 == 2)
                    try await served
                }
            }
        }
    }

    @Test func streamErrorsAreReportedAsErrorCallbacks() async throws {
        try await withTimeout {
            try await ScriptedServer.run({ _, connection in
                try await connection.writeResponse(status: "500 Internal Server Error", body: "nope")
            }) { streamServer in
                try await ScriptedServer.run(Self.acceptCallbacks) { callbackServer in
                    let service = ContractService(host: "127.0.0.1", port: 0)
                    let (ports, portSink) = AsyncStream<Int>.makeStream()
                    async let served: Void = service.run { portSink.yield($0) }
                    var portIterator = ports.makeAsyncIterator()
                    let base = "http://127.0.0.1:\(await portIterator.next()!)"
                    let options = #"{"streamUrl": "\#(streamServer.url().absoluteString)", "callbackUrl": "\#(callbackServer.baseURL)/cb", "initialDelayMs": 0}"#
                    #expect(try await Self.send("POST", base + "/", options).0 == 201)
                    var callbacks = callbackServer.requests.makeAsyncIterator()
                    let first = try #require(await callbacks.next())
                    let callback = try JSONDecoder().decode(Callback.self, from: Data(first.body))
                    #expect(callback.kind == "error")
                    #expect(callback.error?.contains("500") == true)
                    #expect(try await Self.send("DELETE", base + "/").0 / 100 == 2)
                    try await served
                }
            }
        }
    }
}
