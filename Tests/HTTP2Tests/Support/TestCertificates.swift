import Foundation
import SSEProtocol
import SSETestSupport

/// A certificate authority and a leaf certificate for `127.0.0.1` and `localhost` signed by it,
/// made with the `openssl` command in a fresh temporary directory, once per test run; nothing
/// is committed.
struct TestCertificates: Sendable {
    /// The authority's certificate (PEM), for clients to trust.
    let authorityFile: String
    /// The leaf certificate (PEM), for the server.
    let certificateFile: String
    /// The leaf's private key (PEM), for the server.
    let keyFile: String

    /// The run's authority and leaf, made by the first caller.
    private static let made = LockedState<Task<TestCertificates, any Error>?>(nil)

    /// The run's authority and leaf: made once, with `openssl` running on a thread of its own
    /// (key generation would otherwise hold a thread of the cooperative pool that every test shares).
    ///
    /// - Throws: When `openssl` is missing or fails.
    static func make() async throws -> TestCertificates {
        let task = made.withLock { made in
            if let made { return made }
            let task = Task { try await onThreadOfItsOwn { try generate() } }
            made = task
            return task
        }
        return try await task.value
    }

    /// Makes a new authority and leaf.
    ///
    /// - Throws: When `openssl` is missing or fails.
    private static func generate() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sse-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try """
            subjectAltName=IP:127.0.0.1,DNS:localhost
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            """.write(toFile: path("leaf.ext"), atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + key + [
            "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=swift-sse test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try openssl(["req"] + key + ["-keyout", path("leaf.key"), "-out", path("leaf.csr"), "-subj", "/CN=localhost"])
        try openssl([
            "x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("leaf.pem"), "-days", "2", "-extfile", path("leaf.ext"),
        ])
        return TestCertificates(authorityFile: path("ca.pem"), certificateFile: path("leaf.pem"), keyFile: path("leaf.key"))
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateError(message: "openssl \(arguments.first ?? "") failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}

/// `openssl` could not make the test certificates.
struct CertificateError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
