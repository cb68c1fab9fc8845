import ArgumentParser
import Foundation
import Logging
import NIOCore
import PostgresNIO
import SSEPostgres
import SSEProtocol
import SSERepositories
import SSENIOServer
import SSEServer

/// `sse-bench postgres`: cross-node latency and sustained publish rate of ``PostgresEventStore``
/// and ``PostgresEventBroker``, beside the same transaction issued directly through postgres-nio.
///
/// Nodes are separate stores and brokers (each its own pool and listening connection) in this
/// process, so publish and receive times come from one clock: two publishing nodes, and a
/// receiving node that is an ``EventServer`` behind an ``EmbeddedHTTPServer`` with
/// `--subscribers` HTTP connections on 127.0.0.1, each timing every event's arrival.
struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Measures cross-node latency and publish rate through PostgreSQL (needs SSE_POSTGRES_URL or --url)."
    )

    @Option(help: "The database, postgres://USER@HOST:PORT/DB[?sslmode=...]; defaults to $SSE_POSTGRES_URL. Without sslmode the store prefers TLS when the server offers it (the throwaway cluster does); add ?sslmode=disable to measure without.")
    var url: String?

    @Option(help: "Concurrent publishers, spread over two publishing nodes.")
    var publishers = 8

    @Option(help: "Events per second offered during the latency run.")
    var rate = 1_000

    @Option(help: "Seconds of each run.")
    var seconds = 5.0

    @Option(help: "Bytes of data per event.")
    var dataBytes = 64

    @Option(help: "HTTP subscribers on the receiving node during the latency run.")
    var subscribers = 100

    func run() async throws {
        guard let url = url ?? ProcessInfo.processInfo.environment["SSE_POSTGRES_URL"] else {
            throw ValidationError("give --url or set SSE_POSTGRES_URL (eval \"$(Tools/postgres-cluster.sh start)\")")
        }
        let schema = "bench_" + UUID().uuidString.prefix(8).lowercased()
        var configuration = try PostgresEventStore.Configuration(url: url, schema: schema)
        configuration.client.options.maximumConnections = publishers
        let stores = (0..<3).map { _ in PostgresEventStore(configuration: configuration) }
        let brokers = stores.map { PostgresEventBroker(store: $0) }
        BenchSupport.raiseOpenFileLimit(to: subscribers + 64)
        // The baseline's own pool, as large as the store's.
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: configuration.logger)
        let data = String(repeating: "x", count: dataBytes)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.run() } }
            for broker in brokers { group.addTask { try await broker.run() } }
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            for broker in brokers { await broker.waitUntilListening() }

            // The receiving node, as `sse serve --store postgres://...` makes it.
            let server = EventServer(broker: brokers[2])
            server.register(stores[2], for: "latency")
            let http = try await EmbeddedHTTPServer.start(routes: ["/latency": server.handler(channel: "latency")])
            let latency = try await measureLatency(
                publishers: Array(stores[0..<2]), receiver: server, broker: brokers[2], port: http.port
            )
            server.close()
            try await http.shutdown()
            // The events of one append transaction share its time: how many transactions carried them.
            let rows = try await client.query(
                "SELECT count(DISTINCT time) FROM \(unescaped: schema).sse_events WHERE channel = 'latency'"
            )
            var transactions = 0
            for try await count in rows.decode(Int.self) { transactions = count }
            print("the latency run's \(latency.events) events took \(transactions) append transactions")
            let storeRate = try await measureRate(data: data) { index in
                _ = try await stores[index % 2].append(MessageEvent(data: data), to: "rate")
            }
            let direct = DirectTransaction(client: client, schema: schema)
            try await direct.prepare()
            let directRate = try await measureRate(data: data) { _ in try await direct.append(data: data) }
            print(String(format: "store %.0f appends/s, direct transaction %.0f/s", storeRate, directRate))
            print(
                String(
                    format: "{\"publishers\": %d, \"subscribers\": %d, \"rate\": %d, \"data_bytes\": %d, \"latency_p50_ms\": %.2f, "
                        + "\"latency_p99_ms\": %.2f, \"latency_arrivals\": %d, \"store_appends_per_s\": %.0f, "
                        + "\"direct_transactions_per_s\": %.0f, \"store_vs_direct\": %.3f, \"latency_run_transactions\": %d}",
                    publishers, subscribers, rate, dataBytes, latency.p50, latency.p99, latency.count, storeRate, directRate,
                    storeRate / directRate, transactions
                )
            )
        }
    }

    /// Publishes `rate` events per second through two nodes and times their arrival at each
    /// HTTP subscriber of a third; the latencies are over every (subscriber, event) arrival.
    private func measureLatency(
        publishers nodes: [PostgresEventStore], receiver: EventServer, broker: PostgresEventBroker, port: Int
    ) async throws -> (p50: Double, p99: Double, count: Int, events: Int)
    {
        let total = Int(Double(rate) * seconds)
        // Arrival at the receiving node's broker too, to tell the database's share from the fan-out's.
        let brokerLatencies = LockedState<[Double]>([])
        broker.attach { message in
            let now = BenchSupport.monotonicNanoseconds()
            guard message.sequence != nil, message.channels == ["latency"], let start = Self.sendTime(in: message.bytes) else { return }
            brokerLatencies.withLock { $0.append(Double(now - start) / 1e6) }
        }
        let listeners = try await LatencySubscribers.connect(count: subscribers, events: total, port: port, path: "/latency")
        await listeners.waitForHeads()
        while receiver.subscriberCount(channel: "latency") < subscribers { await Task.yield() }
        print("\(subscribers) subscribers on the third node; publishing \(total) events at \(rate)/s through two nodes")
        let interval = Duration.seconds(Double(publishers) / Double(rate))
        let publishers = publishers
        let dataBytes = dataBytes
        let publishingStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    let clock = ContinuousClock()
                    var next = clock.now
                    for _ in stride(from: publisher, to: total, by: publishers) {
                        try await clock.sleep(until: next)
                        next += interval
                        // The data starts with the send time (monotonic nanoseconds, one clock in this process).
                        let stamp = String(BenchSupport.monotonicNanoseconds())
                        let data = stamp + String(repeating: "x", count: max(0, dataBytes - stamp.utf8.count))
                        _ = try await nodes[publisher % nodes.count].append(MessageEvent(data: data), to: "latency")
                    }
                }
            }
            try await group.waitForAll()
        }
        // Each publisher awaits its append before the next, so a slow store lowers the rate: say what it was.
        let publishing = ContinuousClock.now - publishingStart
        let publishingSeconds = Double(publishing.components.seconds) + Double(publishing.components.attoseconds) * 1e-18
        print(
            String(
                format: "published %d events in %.2f s: %.0f events/s of the %d/s offered",
                total, publishingSeconds, Double(total) / publishingSeconds, rate
            )
        )
        // Every event reaches every subscriber, or the run reports how many arrived within 10 seconds.
        let sorted = await listeners.latencies(waitingAtMost: .seconds(10)).sorted()
        await listeners.close()
        func percentile(_ p: Double, of sorted: [Double] = sorted) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        let atBroker = brokerLatencies.withLock { $0 }.sorted()
        print(
            String(
                format: "at the third node's broker, over %d events: p50 %.2f ms, p99 %.2f ms",
                atBroker.count, percentile(0.5, of: atBroker), percentile(0.99, of: atBroker)
            )
        )
        print(
            String(
                format: "latency over %d arrivals (%d events x %d subscribers): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                sorted.count, total, subscribers, percentile(0.5), percentile(0.99), sorted.last ?? .nan
            )
        )
        return (percentile(0.5), percentile(0.99), sorted.count, total)
    }

    /// The send time at the start of an encoded event's data: the digits after `data: `.
    private static func sendTime(in bytes: [UInt8]) -> UInt64? {
        let marker = Array("data: ".utf8)
        guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) else { return nil }
        let digits = bytes[(start + marker.count)...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    /// Runs `append` from ``publishers`` tasks as fast as they go for ``seconds`` and returns appends per second.
    private func measureRate(data: String, _ append: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        try await append(publisher)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        let (wholeSeconds, attoseconds) = elapsed.components
        return Double(count) / (Double(wholeSeconds) + Double(attoseconds) * 1e-18)
    }
}

/// The append transaction issued directly through postgres-nio, statement by statement: the
/// counter row, the INSERT and the NOTIFY, in tables of its own.
struct DirectTransaction: Sendable {
    let client: PostgresClient
    let schema: String

    func prepare() async throws {
        try await client.query("CREATE TABLE \(unescaped: schema).direct_channels (channel text PRIMARY KEY, last_sequence bigint NOT NULL)")
        try await client.query(
            "CREATE TABLE \(unescaped: schema).direct_events (channel text, sequence bigint, id text, data bytea, PRIMARY KEY (channel, sequence))"
        )
        try await client.query("INSERT INTO \(unescaped: schema).direct_channels VALUES ('rate', 0)")
    }

    func append(data: String) async throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "UPDATE \(unescaped: schema).direct_channels SET last_sequence = last_sequence + 1 WHERE channel = 'rate' RETURNING last_sequence",
                logger: logger
            )
            var sequence = 0
            for try await value in rows.decode(Int.self) { sequence = value }
            try await connection.query(
                "INSERT INTO \(unescaped: schema).direct_events VALUES ('rate', \(sequence), \(String(sequence)), \(ByteBuffer(string: data)))",
                logger: logger
            )
            try await connection.query("SELECT pg_notify(\(schema + "_direct"), \(String(sequence)))", logger: logger)
        }
    }
}
