import SSEProtocol
import SSERepositories
import Testing

/// SliceRepository keeps Go's semantics: id order as byte strings, replace on the same id, and
/// replay from the last event ID inclusive.
@Suite struct SliceRepositoryTests {
    @Test func replaysFromTheLastEventIDInclusiveInByteOrder() async throws {
        let store = SliceRepository()
        for id in ["9", "10", "b", "a"] {
            store.add(channel: "news", MessageEvent(id: id, data: "first \(id)"))
        }
        store.add(channel: "news", MessageEvent(id: "a", data: "second a"))
        #expect(try await store.ids("news", after: "9").1 == ["9", "a", "b"])
        #expect(try await store.data("news", after: "") == ["first 10", "first 9", "second a", "first b"])
    }
}

extension SliceRepository {
    /// The data of the events a replay yields.
    fileprivate func data(_ channel: String, after lastEventID: String) async throws -> [String] {
        var data: [String] = []
        for try await event in try await replay(channel: channel, lastEventID: lastEventID).events {
            data.append(event.data)
        }
        return data
    }
}
