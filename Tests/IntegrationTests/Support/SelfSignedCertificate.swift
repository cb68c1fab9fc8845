import Foundation

/// A self-signed certificate for `127.0.0.1` and `localhost` and its key, made with the `openssl`
/// command in a fresh temporary directory (clients here skip verification: `curl -k`, Chromium
/// with `--ignore-certificate-errors`); nothing is committed.
struct SelfSignedCertificate {
    /// The certificate (PEM).
    let certificateFile: String
    /// Its private key (PEM).
    let keyFile: String

    /// `openssl` failed.
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Makes a new certificate and key.
    ///
    /// - Throws: ``Failed`` when `openssl` is missing or fails.
    static func make() async throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sse-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let result = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        guard result.status == 0 else { throw Failed(description: "openssl failed: \(result.errors)") }
        return SelfSignedCertificate(certificateFile: certificate, keyFile: key)
    }
}
