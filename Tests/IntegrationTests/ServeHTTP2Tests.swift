import Foundation
import Testing

/// `sse serve --tls-cert/--tls-key` (HTTPS with h2 and HTTP/1.1) and `--http2` (cleartext HTTP/2
/// with prior knowledge), checked with curl.
@Suite("sse serve over HTTP/2")
struct ServeHTTP2Tests {
    /// Starts `sse serve --port 0` with `arguments` and returns it with its base URL.
    private func serve(_ arguments: [String]) async throws -> (ChildProcess, String) {
        let process = try ChildProcess(try BuiltProducts.executable("sse"), arguments: ["serve", "--port", "0"] + arguments)
        var errors = LineReader(process.standardError)
        let line = await errors.first { $0.contains("serving ") }
        let url = try #require(line?.split(separator: " ").first { $0.hasPrefix("http") }, "sse serve exited before listening")
        return (process, String(url))
    }

    /// Fetches the live page with curl and returns curl's `HTTP-VERSION STATUS`.
    private func fetch(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: [
            "curl", "--silent", "--show-error", "--max-time", "30", "--output", "/dev/null",
            "--write-out", "%{http_version} %{http_code}",
        ] + arguments)
        #expect(result.status == 0, "\(result.errors)")
        return result.output
    }

    @Test("--tls-cert and --tls-key serve HTTPS with HTTP/2 and HTTP/1.1", .timeLimit(.minutes(1)))
    func tlsFlagsServeHTTP2AndHTTP1() async throws {
        let certificate = try await SelfSignedCertificate.make()
        let (process, base) = try await serve(["--tls-cert", certificate.certificateFile, "--tls-key", certificate.keyFile])
        defer { process.terminate() }
        #expect(base.hasPrefix("https://127.0.0.1:"))
        #expect(try await fetch(["--insecure", "--http2", base]) == "2 200")
        #expect(try await fetch(["--insecure", "--http1.1", base]) == "1.1 200")
    }

    @Test("--http2 serves cleartext HTTP/2 with prior knowledge", .timeLimit(.minutes(1)))
    func http2FlagServesPriorKnowledge() async throws {
        let (process, base) = try await serve(["--http2"])
        defer { process.terminate() }
        #expect(base.hasPrefix("http://127.0.0.1:"))
        #expect(try await fetch(["--http2-prior-knowledge", base]) == "2 200")
    }

    @Test("--tls-cert without --tls-key is refused", .timeLimit(.minutes(1)))
    func tlsCertNeedsAKey() async throws {
        let result = try await ChildProcess.run(try BuiltProducts.executable("sse"), arguments: ["serve", "--tls-cert", "cert.pem"])
        #expect(result.status != 0)
        #expect(result.errors.contains("--tls-cert and --tls-key go together"))
    }
}
