import Foundation
import Testing

@Suite("sse hands listen and serve over to sse-network", .timeLimit(.minutes(1)))
struct NetworkHandoverTests {
    @Test("sse serve --help is sse-network's help, with every option")
    func helpComesFromNetworkProgram() async throws {
        let result = try await ChildProcess.run(try BuiltProducts.executable("sse"), arguments: ["serve", "--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("--publish-token"))
        #expect(result.output.contains("sse-network serve"))
    }

    @Test("without sse-network beside it or on PATH, sse listen says how to build it and exits 1")
    func missingNetworkProgram() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sse-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let alone = folder.appendingPathComponent("sse")
        try FileManager.default.copyItem(at: try BuiltProducts.executable("sse"), to: alone)
        #expect(!(ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { folder in
            FileManager.default.isExecutableFile(atPath: "\(folder)/sse-network")
        }, "this test needs a PATH without sse-network")

        let result = try await ChildProcess.run(alone, arguments: ["listen", "http://127.0.0.1:9/"])
        #expect(result.status == 1)
        #expect(result.errors.contains("swift build --product sse-network"))
        #expect(result.output.isEmpty)
    }
}
