import Foundation
import SSEProtocol
import SSERepositories
import SSESQLite
import Testing

/// What only the SQLite store does: survive a restart, and refuse a bad file at open.
@Suite struct SQLiteRepositoryTests {
    @Test func replaysAfterReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            let clock = ManualClock()
            let retention = Retention(maxEvents: 3)
            let appended = try await withSQLite(at: path, retention: retention, clock: clock) { store in
                try await store.append(["a", "", "c", ""], to: "news")
            }
            #expect(appended == ["a", "2", "c", "4"])
            try await withSQLite(at: path, retention: retention, clock: clock) { store in
                let (coverage, events) = try await store.stored("news", after: "2")
                #expect(coverage == .complete)
                #expect(events.map(\.id) == ["c", "4"])
                #expect(events.map(\.time) == [clock.now, clock.now])
                #expect(try await store.ids("news", after: "a") == (.complete, ["2", "c", "4"]), "a was trimmed last")
                #expect(try await store.append(MessageEvent(id: "c", data: "x"), to: "news").isDuplicate)
                #expect(try await store.append(MessageEvent(data: "x"), to: "news").event.id == "5")
            }
        }
    }

    @Test func twoStoresOnOneFileShareItsSequences() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path) { first in
                try await withSQLite(at: path) { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for store in [first, second] {
                            group.addTask {
                                for _ in 0..<30 { _ = try await store.append(MessageEvent(data: "x"), to: "news") }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let (_, events) = try await first.stored("news", after: "")
                    #expect(events.map(\.sequence) == Array(1...60))
                    #expect(events.map(\.id) == (1...60).map(String.init))
                }
            }
        }
    }

    @Test func cancelledAppendsEndTheirTransactionAndLeaveTheStoreUsable() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path) { store in
                let appends = (0..<20).map { index in
                    Task { try await store.append(MessageEvent(id: "c\(index)", data: "x"), to: "news") }
                }
                for append in appends { append.cancel() }
                for append in appends { _ = try? await append.value }
                #expect(try await store.append(MessageEvent(id: "after", data: "x"), to: "news").event.id == "after")
                let (_, events) = try await store.stored("news", after: "")
                #expect(events.last?.id == "after")
                #expect(events.map(\.sequence) == Array(1...events.count))
            }
        }
    }

    @Test(arguments: [SQLiteRepository.Durability.full, .normal])
    func storesAtEitherDurability(durability: SQLiteRepository.Durability) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path, durability: durability) { store in
                try await store.append(["a", "b"], to: "news")
            }
            try await withSQLite(at: path) { store in
                let replay = try await store.ids("news", after: "a")
                #expect(replay == (.complete, ["b"]))
            }
        }
    }

    @Test func fileThatIsNotADatabaseFailsAtOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try Data(repeating: 0x5A, count: 8_192).write(to: URL(fileURLWithPath: path))
            await #expect { try await SQLiteRepository.open(path: path) } throws: { error in
                (error as? SQLiteRepositoryError) == .corrupt && "\(error)".contains(path)
            }
        }
    }

    @Test func damagedDatabaseFailsAtOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path) { store in
                try await store.append(Array(repeating: "", count: 200), to: "news", data: String(repeating: "x", count: 100))
            }
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 4_096 + 8)
            try handle.write(contentsOf: Data(repeating: 0xFF, count: 2_000))
            try handle.close()
            await #expect { try await SQLiteRepository.open(path: path) } throws: { error in
                (error as? SQLiteRepositoryError) == .corrupt
            }
        }
    }

    @Test func pathInAMissingFolderFailsAtOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("missing/events.sqlite").path
            await #expect { try await SQLiteRepository.open(path: path) } throws: { error in
                (error as? SQLiteRepositoryError) == .cannotOpen && "\(error)".contains("cannot open")
            }
        }
    }

    @Test func pathThatIsAFolderFailsAtOpen() async throws {
        try await withTemporaryDirectory { directory in
            await #expect { try await SQLiteRepository.open(path: directory.path) } throws: { error in
                (error as? SQLiteRepositoryError) == .cannotOpen
            }
        }
    }

    @Test func readOnlyDatabaseFailsAtOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            try await withSQLite(at: path) { store in try await store.append(["a"], to: "news") }
            // Read-only as SQLite sees it, whoever runs the tests (root ignores file modes).
            await #expect { try await SQLiteRepository.open(path: "file:\(path)?mode=ro") } throws: { error in
                (error as? SQLiteRepositoryError) == .unwritable
            }
        }
    }
}
