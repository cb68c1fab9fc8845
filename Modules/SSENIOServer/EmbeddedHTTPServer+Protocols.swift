extension EmbeddedHTTPServer {
    /// The protocols an ``EmbeddedHTTPServer`` speaks on its port.
    ///
    /// Over HTTP/2 every request is one stream of a shared connection, so a browser can hold many
    /// event streams to one origin (over HTTP/1.1 it holds at most six connections per origin,
    /// shared by all its tabs). Browsers speak HTTP/2 only over TLS: use ``tls(certificateChainFile:privateKeyFile:)``.
    public struct Protocols: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case http1
            case http2PriorKnowledge
            case tls(certificateChainFile: String, privateKeyFile: String)
        }

        let kind: Kind

        /// Cleartext HTTP/1.1.
        public static let http1 = Protocols(kind: .http1)

        /// Cleartext HTTP/2 with prior knowledge: every connection must start with the HTTP/2
        /// preface (as `curl --http2-prior-knowledge` does); HTTP/1.1 requests are not understood.
        public static let http2PriorKnowledge = Protocols(kind: .http2PriorKnowledge)

        /// TLS, with HTTP/2 for clients that offer `h2` through ALPN and HTTP/1.1 for the others.
        ///
        /// The files are read when the server starts.
        ///
        /// - Parameters:
        ///   - certificateChainFile: A PEM file with the server's certificate, then any intermediates.
        ///   - privateKeyFile: A PEM file with the certificate's private key.
        /// - Returns: The protocols.
        public static func tls(certificateChainFile: String, privateKeyFile: String) -> Protocols {
            Protocols(kind: .tls(certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile))
        }
    }
}
