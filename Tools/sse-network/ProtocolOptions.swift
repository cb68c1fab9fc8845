import ArgumentParser
import SSENIOServer

/// `sse serve --tls-cert/--tls-key` (HTTPS with HTTP/2 and HTTP/1.1) and `--http2` (cleartext
/// HTTP/2 with prior knowledge).
struct ProtocolOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp(
        "A PEM certificate chain: serve HTTPS, with HTTP/2 for clients that offer it and HTTP/1.1 for the others.",
        valueName: "pem"
    ))
    var certificateChain: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "pem"))
    var privateKey: String?

    @Flag(name: .customLong("http2"), help: "Serve cleartext HTTP/2 with prior knowledge instead of HTTP/1.1 (browsers need --tls-cert for HTTP/2).")
    var http2 = false

    func validate() throws {
        guard (certificateChain == nil) == (privateKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if http2 && certificateChain != nil {
            throw ValidationError("--http2 is cleartext HTTP/2; with --tls-cert, HTTP/2 is negotiated already")
        }
    }

    /// The protocols the flags ask for.
    var protocols: EmbeddedHTTPServer.Protocols {
        if let certificateChain, let privateKey {
            return .tls(certificateChainFile: certificateChain, privateKeyFile: privateKey)
        }
        return http2 ? .http2PriorKnowledge : .http1
    }

    /// `https` with TLS, else `http`.
    var scheme: String { certificateChain == nil ? "http" : "https" }
}
