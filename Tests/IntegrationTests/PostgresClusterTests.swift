import Foundation
import Testing

/// `sse serve --store postgres://...` nodes sharing the database that `Tools/postgres-cluster.sh`
/// started (`SSE_POSTGRES_URL`): one service across processes.
@Suite("sse serve as a PostgreSQL cluster", .timeLimit(.minutes(2)))
struct PostgresClusterTests {
    /// The database's URL; a clear failure when the test run started none.
    static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["SSE_POSTGRES_URL"], !url.isEmpty else {
            let message = "SSE_POSTGRES_URL is not set: run the tests through Tools/test.sh, or first "
                + "`eval \"$(Tools/postgres-cluster.sh start)\"`"
            throw ServeProcess.StartFailed(description: message)
        }
        return url
    }

    /// Starts `count` nodes serving one channel (a fresh one, so that tests do not meet). The
    /// last of several connects over TLS that checks the server's certificate against the test
    /// cluster's authority (`SSE_POSTGRES_CA`), as a node of a managed database would.
    static func startNodes(_ count: Int, channel: String) async throws -> [ServeProcess] {
        let url = try databaseURL()
        guard let authority = ProcessInfo.processInfo.environment["SSE_POSTGRES_CA"], !authority.isEmpty else {
            throw ServeProcess.StartFailed(description: "SSE_POSTGRES_CA is not set: start the cluster with Tools/postgres-cluster.sh")
        }
        var nodes: [ServeProcess] = []
        for index in 0..<count {
            let store = count > 1 && index == count - 1 ? url + "?sslmode=verify-full&sslrootcert=\(authority)" : url
            nodes.append(try await ServeProcess(["--store", store, "--channel", channel, "--publish-token", "t"]))
        }
        return nodes
    }

    /// A running `sse listen --json` and its output lines.
    struct Listener {
        let process: ChildProcess
        var lines: LineReader

        init(_ url: String, lastEventID: String = "", maxEvents: Int) throws {
            var arguments = ["listen", url, "--json", "--max-events", "\(maxEvents)"]
            if !lastEventID.isEmpty { arguments += ["--last-event-id", lastEventID] }
            process = try ChildProcess(try BuiltProducts.executable("sse"), arguments: arguments)
            lines = LineReader(process.standardOutput)
        }

        /// The next `count` events' JSON lines.
        mutating func take(_ count: Int) async -> [String] {
            var taken: [String] = []
            while taken.count < count, let line = await lines.next() { taken.append(line) }
            return taken
        }
    }

    static func event(_ id: String, _ data: String) -> String { #"{"id":"\#(id)","data":"\#(data)"}"# }

    @Test("Three nodes: concurrent publishers on two, retries across nodes, large events; every subscriber sees one order")
    func threeNodesAreOneService() async throws {
        let channel = "c" + UUID().uuidString.prefix(8).lowercased()
        let nodes = try await Self.startNodes(3, channel: channel)
        defer { for node in nodes { node.process.terminate() } }
        let urls = nodes.map { $0.baseURL + channel }
        let large = String(repeating: "L", count: 9_000)
        let total = 1 + 40 + 1
        // An unknown Last-Event-ID replays everything kept, so a subscriber misses nothing
        // whenever its request arrives.
        var listeners = try [urls[2], urls[2], urls[0]].map { try Listener($0, lastEventID: "start", maxEvents: total) }
        defer { for listener in listeners { listener.process.terminate() } }

        // Once every subscriber has the first event, the rest reach them live.
        #expect(try await Publishing.post(Self.event("first", "0"), to: urls[1], token: "t") == 201)
        for index in listeners.indices { #expect(await listeners[index].take(1).count == 1) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for publisher in 0..<2 {
                group.addTask {
                    for index in 1...20 {
                        let status = try await Publishing.post(Self.event("p\(publisher)-\(index)", "\(index)"), to: urls[publisher], token: "t")
                        #expect(status == 201)
                    }
                }
            }
            try await group.waitForAll()
        }
        // A retry on another node is acknowledged and delivered to nobody.
        #expect(try await Publishing.post(Self.event("p0-5", "5"), to: urls[1], token: "t") == 200)
        #expect(try await Publishing.post(Self.event("p1-20", "20"), to: urls[2], token: "t") == 200)
        #expect(try await Publishing.post(Self.event("large", large), to: urls[1], token: "t") == 201)

        var seen: [[String]] = []
        for index in listeners.indices {
            seen.append(await listeners[index].take(total - 1))
            #expect(await listeners[index].process.exitStatus() == 0)
        }
        #expect(seen[0].count == total - 1)
        #expect(seen[1] == seen[0])
        #expect(seen[2] == seen[0])
        #expect(Set(seen[0]).count == total - 1)
        #expect(seen[0].last == #"{"id":"large","event":"message","data":"\#(large)"}"#)
        for publisher in 0..<2 {
            let ids = seen[0].compactMap { line in (1...20).first { line.hasPrefix(#"{"id":"p\#(publisher)-\#($0)""#) } }
            #expect(ids == Array(1...20))
        }
    }

    @Test("A client whose node is killed with SIGKILL resumes on another node with exactly the events it missed")
    func aClientMovesToAnotherNodeAfterSIGKILL() async throws {
        let channel = "k" + UUID().uuidString.prefix(8).lowercased()
        let nodes = try await Self.startNodes(2, channel: channel)
        defer { for node in nodes { node.process.terminate() } }
        let urls = nodes.map { $0.baseURL + channel }
        var listener = try Listener(urls[0], lastEventID: "start", maxEvents: 1_000)
        defer { listener.process.terminate() }
        for index in 1...5 {
            #expect(try await Publishing.post(Self.event("e\(index)", "\(index)"), to: urls[1], token: "t") == 201)
        }
        let before = await listener.take(5)
        #expect(before.last == Self.stored("e5", "5"))
        nodes[0].process.signal(SIGKILL)
        #expect(await nodes[0].process.exitStatus() == 128 + SIGKILL)
        listener.process.terminate()
        for index in 6...9 {
            #expect(try await Publishing.post(Self.event("e\(index)", "\(index)"), to: urls[1], token: "t") == 201)
        }
        var resumed = try Listener(urls[1], lastEventID: "e5", maxEvents: 4)
        defer { resumed.process.terminate() }
        #expect(await resumed.take(5) == (6...9).map { Self.stored("e\($0)", "\($0)") })
        #expect(await resumed.process.exitStatus() == 0)
    }

    static func stored(_ id: String, _ data: String) -> String { #"{"id":"\#(id)","event":"message","data":"\#(data)"}"# }
}
