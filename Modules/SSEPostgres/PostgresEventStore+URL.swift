#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOSSL
import PostgresNIO
import SSERepositories

extension PostgresEventStore.Configuration {
    /// Creates a configuration from a URL,
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE[&sslrootcert=FILE]]`
    /// (port 5432 when omitted; percent-escapes are decoded).
    ///
    /// `sslmode` means what it means to libpq, PostgreSQL's own client:
    /// - `disable`: no TLS.
    /// - `prefer` (when omitted): TLS when the server offers it, without checking its
    ///   certificate; a plain connection otherwise.
    /// - `require`: TLS or no connection, without checking the certificate, unless `sslrootcert`
    ///   is given, which makes it `verify-ca`.
    /// - `verify-ca`: TLS, with a certificate signed by a trusted authority.
    /// - `verify-full`: as `verify-ca`, and the certificate names the host (a DNS name, or the IP
    ///   address the URL gives). Use this one over any network you do not control, such as
    ///   a managed PostgreSQL service.
    ///
    /// `sslrootcert` is a PEM file of the authorities to trust; without it, `verify-ca` and
    /// `verify-full` trust the system's authorities. Any other parameter is refused, so that a
    /// misspelt one is not silently ignored.
    ///
    /// - Parameters:
    ///   - url: The database's URL.
    ///   - schema: The schema that holds the tables. Defaults to `"sse"`.
    ///   - retention: The history kept per channel. Defaults to ``defaultRetention``.
    /// - Throws: ``PostgresStoreError/invalidURL(_:)`` when the URL does not have that form, or
    ///   ``PostgresStoreError/invalidURL(_:reason:)`` when a parameter is unknown or the root
    ///   certificate file cannot be read.
    public init(url: String, schema: String = "sse", retention: Retention = defaultRetention) throws {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty,
            let user = components.user, !user.isEmpty,
            case let database = String(components.path.dropFirst()), !database.isEmpty, !database.contains("/")
        else { throw PostgresStoreError.invalidURL(url) }
        let tls: TLSMode
        do {
            tls = try TLSMode(parameters: components.queryItems ?? [])
        } catch {
            throw PostgresStoreError.invalidURL(url, reason: error.reason)
        }
        let client = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database, tls: tls.client
        )
        let listener = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database, tls: try tls.connection(url: url)
        )
        self.init(client: client, listener: listener, schema: schema, retention: retention)
    }
}

/// A URL's `sslmode` and `sslrootcert`, as the TLS settings of postgres-nio's pooled client and
/// of a single connection.
struct TLSMode {
    /// Why the parameters cannot be used.
    struct Invalid: Error {
        let reason: String
    }

    /// The libpq modes, in order of strictness.
    enum Mode: String, CaseIterable {
        case disable
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    let mode: Mode
    /// The TLS settings; `nil` for ``Mode/disable``.
    let configuration: TLSConfiguration?

    /// Reads `sslmode` and `sslrootcert`; `prefer` when `sslmode` is absent.
    ///
    /// - Throws: ``Invalid`` for another parameter, an unknown mode, or an unreadable certificate file.
    init(parameters: [URLQueryItem]) throws(Invalid) {
        var modeName: String?
        var rootCertificate: String?
        for item in parameters {
            switch item.name {
            case "sslmode": modeName = item.value ?? ""
            case "sslrootcert": rootCertificate = item.value ?? ""
            default: throw Invalid(reason: "unknown parameter \"\(item.name)\"; this store reads sslmode and sslrootcert")
            }
        }
        guard let mode = Mode(rawValue: modeName ?? Mode.prefer.rawValue) else {
            let names = Mode.allCases.map(\.rawValue).joined(separator: ", ")
            throw Invalid(reason: "unknown sslmode \"\(modeName ?? "")\"; use one of \(names)")
        }
        // As in libpq: a root certificate makes `require` check the authority.
        self.mode = mode == .require && rootCertificate != nil ? .verifyCA : mode
        guard self.mode != .disable else {
            configuration = nil
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch self.mode {
        case .disable, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let rootCertificate {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
            } catch {
                throw Invalid(reason: "cannot read the root certificates in sslrootcert \"\(rootCertificate)\": \(error)")
            }
        }
        self.configuration = configuration
    }

    /// The settings of the pooled client.
    var client: PostgresClient.Configuration.TLS {
        guard let configuration else { return .disable }
        return mode == .prefer ? .prefer(configuration) : .require(configuration)
    }

    /// The settings of a single connection.
    ///
    /// - Parameter url: The URL, for the error.
    /// - Throws: ``PostgresStoreError/invalidURL(_:reason:)`` when the TLS settings cannot be made into a context.
    func connection(url: String) throws -> PostgresConnection.Configuration.TLS {
        guard let configuration else { return .disable }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw PostgresStoreError.invalidURL(url, reason: "its TLS settings cannot be used: \(error)")
        }
        return mode == .prefer ? .prefer(context) : .require(context)
    }
}
