import AdapterTestSupport
import Testing

@Suite("Examples/VaporNews: the contract", .timeLimit(.minutes(1)))
struct VaporNewsExampleTests {
    @Test func listensPublishesWithStoreIDsAndReplaysAfterLastEventID() async throws {
        try await expectNewsExampleContract("VaporNews")
    }
}
