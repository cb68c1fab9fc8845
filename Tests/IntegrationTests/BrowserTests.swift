import Foundation
import Testing

/// `sse serve`'s page in a real browser: headless Chromium shows every event, in order, across a
/// reconnection forced by the maximum connection time and resumed with `Last-Event-ID`.
@Suite("Browser")
struct BrowserTests {
    /// One event as the page shows it: `[id, type, data]`.
    typealias Shown = [String]

    static let firstBatch = [
        (#"{"data":"Hello from sse serve 👋"}"#, ["2", "message", "Hello from sse serve 👋"]),
        (#"{"event":"deploy","data":"{\"service\":\"web\",\"version\":\"1.9.0\",\"status\":\"live\"}"}"#,
         ["3", "deploy", #"{"service":"web","version":"1.9.0","status":"live"}"#]),
        (#"{"data":"two lines:\nboth arrive as one event"}"#, ["4", "message", "two lines:\nboth arrive as one event"]),
    ]

    static let secondBatch = [
        (#"{"data":"published while the browser was reconnecting"}"#,
         ["5", "message", "published while the browser was reconnecting"]),
        (#"{"event":"deploy","data":"{\"service\":\"worker\",\"version\":\"3.0.0\",\"status\":\"rolling out\"}"}"#,
         ["6", "deploy", #"{"service":"worker","version":"3.0.0","status":"rolling out"}"#]),
        (#"{"data":"<b>markup</b> & symbols stay text"}"#, ["7", "message", "<b>markup</b> & symbols stay text"]),
    ]

    static let shownEvents = """
        JSON.stringify([...document.querySelectorAll('li.event')].map(e => [e.dataset.id, e.dataset.type, e.dataset.raw]))
        """

    /// Resolves once the page's finite animations (new events sliding in) have finished.
    static let finishedAnimations = """
        Promise.all(document.getAnimations().filter(a => a.effect.getComputedTiming().iterations !== Infinity)
            .map(a => a.finished)).then(() => "finished")
        """

    @Test("The live page shows every event in order, across a forced reconnection", .timeLimit(.minutes(3)))
    func pageShowsEveryEventAcrossAReconnection() async throws {
        var serve = try await ServeProcess(["--max-connection-time", "4", "--publish-token", "secret"])
        defer { serve.process.terminate() }
        // Published before the page loads, so that the page listens for the "deploy" type.
        let first = #"{"event":"deploy","data":"{\"service\":\"api\",\"version\":\"2.4.1\",\"status\":\"live\"}"}"#
        #expect(try await Publishing.post(first, to: serve.baseURL + "events", token: "secret") == 201)

        var browser = try await BrowserDriver()
        try await browser.open(serve.baseURL)
        try await browser.wait(until: "document.body.dataset.state === 'open'")
        for (line, _) in Self.firstBatch { serve.send(line) }
        serve.send("this line is not JSON")
        try await browser.wait(until: "document.querySelectorAll('li.event').length >= 3")
        let report = await serve.errors.next()
        #expect(report?.hasPrefix("sse: line 4: ") == true, "\(report ?? "no report")")

        // The server ends the response after 4 seconds; publish while the browser is away.
        try await browser.wait(until: "document.body.dataset.state === 'reconnecting' || +document.body.dataset.opens > 1")
        for (line, _) in Self.secondBatch { serve.send(line) }
        try await browser.wait(until: "+document.body.dataset.opens > 1 && document.querySelectorAll('li.event').length >= 6")

        let shown = try JSONDecoder().decode([Shown].self, from: Data(try await browser.string(Self.shownEvents).utf8))
        #expect(shown == (Self.firstBatch + Self.secondBatch).map(\.1))

        _ = try await browser.string(Self.finishedAnimations)
        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("sse-serve-\(getpid()).png")
        try await browser.screenshot(to: screenshot.path)
        #expect(try Data(contentsOf: screenshot).starts(with: [0x89, 0x50, 0x4E, 0x47]))
        try FileManager.default.removeItem(at: screenshot)
        await browser.close()

        serve.process.signal(SIGINT)
        #expect(await serve.process.exitStatus() == 0)
    }
}
