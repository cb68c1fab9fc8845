import Foundation
import Testing

/// `sse serve` and `sse listen` against each other over real sockets.
@Suite("sse serve and sse listen")
struct ServeAndListenTests {
    static let events = [
        #"{"event":"greeting","data":"hello"}"#,
        #"{"id":"custom-7","data":"line one\nline two"}"#,
        #"{"data":"quote \" and tab \t"}"#,
    ]

    /// What `sse decode` prints for the three events once stored (ids assigned as 1 and 3).
    static let decoded = [
        #"{"id":"1","event":"greeting","data":"hello"}"#,
        #"{"id":"custom-7","event":"message","data":"line one\nline two"}"#,
        #"{"id":"3","event":"message","data":"quote \" and tab \t"}"#,
    ]

    /// Runs `sse listen` to completion.
    private func listen(_ arguments: [String]) async throws -> ChildProcess.Completion {
        try await ChildProcess.run(try BuiltProducts.executable("sse"), arguments: ["listen"] + arguments)
    }

    @Test("Published events replay strictly after Last-Event-ID, printed as sse decode prints them",
          .timeLimit(.minutes(1)))
    func listenReplaysAfterLastEventID() async throws {
        let serve = try await ServeProcess(["--publish-token", "t0ken"])
        defer { serve.process.terminate() }
        let url = serve.baseURL + "events"
        for event in Self.events {
            #expect(try await Publishing.post(event, to: url, token: "t0ken") == 201)
        }

        let all = try await listen([url, "--last-event-id", "unknown", "--max-events", "3"])
        #expect(all.status == 0, "\(all.errors)")
        #expect(all.output == Self.decoded.joined(separator: "\n") + "\n")

        let rest = try await listen([url, "--last-event-id", "custom-7", "--max-events", "1", "--json"])
        #expect(rest.output == Self.decoded[2] + "\n")
    }

    @Test("POST checks the token and the body, and is idempotent by id", .timeLimit(.minutes(1)))
    func publishEndpointChecksTokenAndBody() async throws {
        let serve = try await ServeProcess(["--publish-token", "t0ken"])
        defer { serve.process.terminate() }
        let url = serve.baseURL + "events"
        let event = #"{"id":"a1","data":"x"}"#
        #expect(try await Publishing.post(event, to: url, token: nil) == 401)
        #expect(try await Publishing.post(event, to: url, token: "wrong") == 401)
        #expect(try await Publishing.post("not json", to: url, token: "t0ken") == 400)
        #expect(try await Publishing.post(#"{"comment":"hi"}"#, to: url, token: "t0ken") == 400)
        let huge = #"{"data":""# + String(repeating: "x", count: 2 << 20) + #""}"#
        #expect(try await Publishing.post(huge, to: url, token: "t0ken") == 413)
        #expect(try await Publishing.post(event, to: url, token: "t0ken") == 201)
        #expect(try await Publishing.post(event, to: url, token: "t0ken") == 200)
    }

    @Test("Text lines become events; bad JSON lines are reported with their number and skipped",
          .timeLimit(.minutes(1)))
    func textModeAndBadLines() async throws {
        let text = try await ServeProcess(["--text"])
        text.send("plain words, not JSON")
        text.send("")
        text.send(#"{"data":"taken literally"}"#)
        let textEvents = try await listen([text.baseURL + "events", "--last-event-id", "0", "--max-events", "2"])
        #expect(textEvents.output == """
            {"id":"1","event":"message","data":"plain words, not JSON"}
            {"id":"2","event":"message","data":"{\\"data\\":\\"taken literally\\"}"}

            """)
        text.process.signal(SIGTERM)
        #expect(await text.process.exitStatus() == 0)

        var json = try await ServeProcess()
        json.send("{oops")
        json.send(#"{"data":"fine"}"#)
        json.send(#"{"retry":100}"#)
        #expect(await json.errors.next()?.hasPrefix("sse: line 1: ") == true)
        #expect(await json.errors.next()?.hasPrefix("sse: line 3: ") == true)
        let jsonEvents = try await listen([json.baseURL + "events", "--last-event-id", "0", "--max-events", "1"])
        #expect(jsonEvents.output == #"{"id":"1","event":"message","data":"fine"}"# + "\n")
        json.process.signal(SIGINT)
        #expect(await json.process.exitStatus() == 0)
    }

    @Test("listen exits 1 with a one-line reason when the first connection fails", .timeLimit(.minutes(1)))
    func listenReportsAFailedFirstConnection() async throws {
        let serve = try await ServeProcess()
        defer { serve.process.terminate() }
        let missing = try await listen([serve.baseURL + "missing"])
        #expect(missing.status == 1)
        #expect(missing.errors.hasSuffix("\n") && missing.errors.dropLast().contains("\n") == false)
        #expect(missing.errors.contains("404"))
    }

    @Test("serve refuses a --store it cannot use and says why", .timeLimit(.minutes(1)), arguments: [
        ("postgres://u@127.0.0.1/db?sslmode=maybe", "unknown sslmode \"maybe\""),
        ("postgres://u@127.0.0.1/db?ssl=true", "unknown parameter \"ssl\""),
        ("postgres://u@127.0.0.1/db?sslmode=verify-full&sslrootcert=/nonexistent.pem", "cannot read the root certificates"),
        ("redis://localhost", "--store takes memory, sqlite:PATH or postgres://"),
    ])
    func serveExplainsAnUnusableStore(store: String, reason: String) async throws {
        let serve = try await ChildProcess.run(try BuiltProducts.executable("sse"), arguments: ["serve", "--port", "0", "--store", store])
        #expect(serve.status != 0)
        #expect(serve.errors.contains(reason), "\(serve.errors)")
    }
}
