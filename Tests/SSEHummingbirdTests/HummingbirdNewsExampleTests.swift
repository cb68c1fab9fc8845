import AdapterTestSupport
import Testing

@Suite("Examples/HummingbirdNews: the contract", .timeLimit(.minutes(1)))
struct HummingbirdNewsExampleTests {
    @Test func listensPublishesWithStoreIDsAndReplaysAfterLastEventID() async throws {
        try await expectNewsExampleContract("HummingbirdNews")
    }
}
