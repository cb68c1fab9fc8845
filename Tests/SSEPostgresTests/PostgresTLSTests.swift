#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOSSL
import PostgresNIO
@testable import SSEPostgres
import SSEProtocol
import SSERepositories
import Testing

/// TLS to the database, as a store URL's `sslmode` and `sslrootcert` ask, against the test
/// cluster, which accepts TLS with a certificate for 127.0.0.1 signed by its own authority.
@Suite("PostgreSQL over TLS", .timeLimit(.minutes(1)))
struct PostgresTLSTests {
    /// The test server's URL with `parameters` as its query.
    private func url(_ parameters: String) throws -> String {
        try PostgresHarness.url() + "?" + parameters
    }

    /// Whether the store's pooled connections and a listening broker's connection use TLS, as
    /// the server sees them.
    private func connectionsUseTLS(_ store: PostgresEventStore) async throws -> Bool {
        let rows = try await store.client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        var ssl: Bool?
        for try await value in rows.decode(Bool.self) { ssl = value }
        return try #require(ssl as Bool?, "the server has no row for its own connection in pg_stat_ssl")
    }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func verifyFullWithTheServersAuthorityEncryptsAppendsReplaysAndListening(_ host: String) async throws {
        let authority = try PostgresHarness.certificateAuthorityFile()
        // The certificate names both the address and the name.
        let url = try url("sslmode=verify-full&sslrootcert=\(authority)").replacingOccurrences(of: "@127.0.0.1:", with: "@\(host):")
        try await PostgresHarness.withNodes(2, url: url) { nodes in
            #expect(try await connectionsUseTLS(nodes[0].store))
            let inbox = BrokerInbox(nodes[1].broker)
            _ = try await nodes[0].store.append(MessageEvent(id: "a", data: "over TLS"), to: "c")
            let messages = await inbox.wait(for: 1)
            #expect(messages.map(\.text) == ["id: a\ndata: over TLS\n\n"])
            let replayed = try await PostgresHarness.collect(try await nodes[1].store.replay(channel: "c", lastEventID: ""))
            #expect(replayed.map(\.data) == ["over TLS"])
        }
    }

    @Test func requireEncryptsWithoutCheckingTheCertificate() async throws {
        try await PostgresHarness.withStores(url: try url("sslmode=require")) { stores in
            let encrypted = try await connectionsUseTLS(stores[0])
            #expect(encrypted)
        }
    }

    @Test(arguments: ["sslmode=disable", ""])
    func disableConnectsInPlainAndPreferTakesTheTLSTheServerOffers(_ parameters: String) async throws {
        // `prefer` (no sslmode) takes TLS when the server offers it, as this one does.
        try await PostgresHarness.withStores(url: try url(parameters)) { stores in
            let encrypted = try await connectionsUseTLS(stores[0])
            #expect(encrypted == parameters.isEmpty)
        }
    }

    @Test func verifyFullAgainstTheSystemsAuthoritiesRefusesATestCertificate() async throws {
        let configuration = try PostgresHarness.configuration(url: try url("sslmode=verify-full"), schema: PostgresHarness.freshSchema())
        let store = PostgresEventStore(configuration: configuration)
        let error = await #expect(throws: PSQLError.self) { try await store.run() }
        #expect(String(reflecting: error).contains("CERTIFICATE_VERIFY_FAILED"))
    }

    @Test func theModesMeanWhatTheyMeanToLibpq() throws {
        func mode(_ parameters: String) throws -> TLSMode {
            let items = URLComponents(string: "postgres://u@h/d?" + parameters)?.queryItems ?? []
            return try TLSMode(parameters: items)
        }
        #expect(try mode("").mode == .prefer)
        #expect(try mode("").configuration?.certificateVerification == CertificateVerification.none)
        #expect(try mode("sslmode=disable").configuration == nil)
        #expect(try mode("sslmode=require").configuration?.certificateVerification == CertificateVerification.none)
        let authority = try PostgresHarness.certificateAuthorityFile()
        // A root certificate makes `require` check the authority, as in libpq.
        #expect(try mode("sslmode=require&sslrootcert=\(authority)").mode == .verifyCA)
        #expect(try mode("sslmode=verify-ca").configuration?.certificateVerification == .noHostnameVerification)
        #expect(try mode("sslmode=verify-full").configuration?.certificateVerification == .fullVerification)

        let configuration = try PostgresEventStore.Configuration(url: "postgres://u@db.example/app?sslmode=require")
        #expect(configuration.listener.tls.isEnforced)
        let plain = try PostgresEventStore.Configuration(url: "postgres://u@db.example/app?sslmode=disable")
        #expect(!plain.listener.tls.isAllowed)
        let preferred = try PostgresEventStore.Configuration(url: "postgres://u@db.example/app")
        #expect(preferred.listener.tls.isAllowed && !preferred.listener.tls.isEnforced)
    }

    @Test(arguments: [
        "postgres://u@db/app?sslmode=allow-maybe",
        "postgres://u@db/app?ssl=true",
        "postgres://u@db/app?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    ])
    func unknownParametersModesAndUnreadableAuthoritiesAreRefused(_ url: String) {
        #expect(throws: PostgresStoreError.invalidURL(url)) { try PostgresEventStore.Configuration(url: url) }
        do {
            _ = try PostgresEventStore.Configuration(url: url)
        } catch {
            #expect(String(describing: error).contains("not a usable PostgreSQL URL"))
        }
    }
}
