import ArgumentParser
import Foundation
import SSEProtocol
import SSERepositories
import SSESQLite

/// `sse-bench stores`: appends per second and replay events per second for each replay store,
/// with ``SliceRepository`` measured in the same run as the baseline.
struct StoresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stores",
        abstract: "Measures appends/s and replayed events/s of the replay stores against SliceRepository."
    )

    @Option(help: "Events appended to each in-memory store.")
    var events = 50_000

    @Option(help: "Events appended to each SQLite store (each append is a durable transaction).")
    var sqliteEvents = 2_000

    @Option(help: "Bytes of data per event.")
    var dataBytes = 100

    @Option(help: "Full replays timed per store.")
    var replays = 5

    @Option(help: "Folder for the SQLite files; defaults to the system's temporary folder. Put it on the disk to measure.")
    var directory: String?

    /// One store's figures.
    private struct Figures {
        var appendsPerSecond: Double
        var replayEventsPerSecond: Double
    }

    func run() async throws {
        let data = String(repeating: "x", count: dataBytes)
        let parent = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let directory = parent.appendingPathComponent("sse-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let slice = try await measureSlice(count: events, data: data)
        let ring = try await measureStore("ring", RingRepository(retention: Retention(maxEvents: events)), count: events, data: data)
        var sqlite: [SQLiteRepository.Durability: Figures] = [:]
        for (name, durability) in [("sqlite-full", SQLiteRepository.Durability.full), ("sqlite-normal", .normal)] {
            let path = directory.appendingPathComponent("\(name).sqlite").path
            let store = try await SQLiteRepository.open(path: path, durability: durability)
            do {
                sqlite[durability] = try await measureStore(name, store, count: sqliteEvents, data: data)
                try await store.close()
            } catch {
                try? await store.close()
                throw error
            }
        }
        let full = sqlite[.full]!
        let normal = sqlite[.normal]!
        func ratio(_ value: Double, _ base: Double) -> String { String(format: "%.4f", value / base) }
        func rate(_ value: Double) -> String { String(format: "%.0f", value) }
        print(
            "{\"events\": \(events), \"sqlite_events\": \(sqliteEvents), \"data_bytes\": \(dataBytes), "
                + "\"slice_appends_per_s\": \(rate(slice.appendsPerSecond)), "
                + "\"slice_replay_events_per_s\": \(rate(slice.replayEventsPerSecond)), "
                + "\"ring_appends_per_s\": \(rate(ring.appendsPerSecond)), "
                + "\"ring_replay_events_per_s\": \(rate(ring.replayEventsPerSecond)), "
                + "\"sqlite_full_appends_per_s\": \(rate(full.appendsPerSecond)), "
                + "\"sqlite_full_replay_events_per_s\": \(rate(full.replayEventsPerSecond)), "
                + "\"sqlite_normal_appends_per_s\": \(rate(normal.appendsPerSecond)), "
                + "\"sqlite_normal_replay_events_per_s\": \(rate(normal.replayEventsPerSecond)), "
                + "\"ring_vs_slice_appends\": \(ratio(ring.appendsPerSecond, slice.appendsPerSecond)), "
                + "\"ring_vs_slice_replay\": \(ratio(ring.replayEventsPerSecond, slice.replayEventsPerSecond)), "
                + "\"sqlite_full_vs_slice_appends\": \(ratio(full.appendsPerSecond, slice.appendsPerSecond)), "
                + "\"sqlite_full_vs_slice_replay\": \(ratio(full.replayEventsPerSecond, slice.replayEventsPerSecond)), "
                + "\"sqlite_full_vs_normal_appends\": \(ratio(full.appendsPerSecond, normal.appendsPerSecond))}"
        )
    }

    /// Ids that sort in publish order, so that SliceRepository's id order matches the others.
    private static func paddedID(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    /// Times `count` appends of assigned-id events to `store`, then full replays.
    private func measureStore(_ name: String, _ store: some EventStore, count: Int, data: String) async throws -> Figures {
        let start = ContinuousClock.now
        for _ in 0..<count {
            _ = try await store.append(MessageEvent(data: data), to: "bench")
        }
        let appendTime = ContinuousClock.now - start
        return try await report(name, count: count, appendTime: appendTime, store: store)
    }

    /// Times `count` adds to a SliceRepository (Go's `Add`, which has no async path), then full replays.
    private func measureSlice(count: Int, data: String) async throws -> Figures {
        let store = SliceRepository()
        let start = ContinuousClock.now
        for index in 0..<count {
            store.add(channel: "bench", MessageEvent(id: Self.paddedID(index), data: data))
        }
        let appendTime = ContinuousClock.now - start
        return try await report("slice", count: count, appendTime: appendTime, store: store)
    }

    /// Times full replays of `store` and prints one progress line.
    private func report(_ name: String, count: Int, appendTime: Duration, store: some Repository) async throws -> Figures {
        var replayed = 0
        let start = ContinuousClock.now
        for _ in 0..<replays {
            for try await _ in try await store.replay(channel: "bench", lastEventID: "").events { replayed += 1 }
        }
        let replayTime = ContinuousClock.now - start
        guard replayed == count * replays else {
            throw ValidationError("\(name) replayed \(replayed) events, expected \(count * replays)")
        }
        let figures = Figures(
            appendsPerSecond: Double(count) / appendTime.seconds,
            replayEventsPerSecond: Double(replayed) / replayTime.seconds
        )
        print(String(format: "%@: %.0f appends/s, %.0f replayed events/s", name, figures.appendsPerSecond,
                     figures.replayEventsPerSecond))
        return figures
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
