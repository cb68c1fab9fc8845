import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The entry point: `sse-contract-service [--port 8000]`.
@main
struct ContractTestService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse-contract-service",
        abstract: "Lets an SSE contract-test harness drive swift-sse's EventSource over HTTP."
    )

    @Option(help: "The port to listen on, on 127.0.0.1.")
    var port = 8000

    func run() async throws {
        let service = ContractService(host: "127.0.0.1", port: port)
        try await service.run { port in
            print("sse-contract-service listening on 127.0.0.1:\(port)")
            fflush(nil)
        }
    }
}
