import Foundation
import SSEProtocol
import Testing

/// `sse serve --request-timeout` and `--max-connections`, over raw sockets.
@Suite("sse serve front door")
struct ServeFrontDoorTests {
    @Test("--max-connections refuses the connection beyond it with 503; --request-timeout closes an unfinished head",
          .timeLimit(.minutes(1)))
    func frontDoorFlagsReachTheServer() async throws {
        let serve = try await ServeProcess(["--request-timeout", "1", "--max-connections", "1"])
        defer { serve.process.terminate() }
        let port = try #require(URLComponents(string: serve.baseURL)?.port)

        let stream = try RawConnection(port: port)
        stream.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await stream.read { $0.contains("\r\n\r\n") }.hasPrefix("HTTP/1.1 200 OK\r\n"))

        let refused = try RawConnection(port: port)
        refused.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await refused.read { _ in false }.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))

        let idle = try RawConnection(port: port)
        idle.send("GET / HTTP/1.1\r\nHost: x\r\n")
        let started = ContinuousClock.now
        #expect(try await idle.read { _ in false } == "")
        #expect(ContinuousClock.now - started < .seconds(5), "closed by the 1 s timeout, not the 10 s default")
        #expect(try await stream.read { _ in true }.hasPrefix("HTTP/1.1 200 OK\r\n"))
    }
}

/// A blocking TCP connection to `127.0.0.1`, read on a background queue with a ten-second
/// receive timeout.
final class RawConnection: Sendable {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    private let socket: Int32
    private let received = LockedState<[UInt8]>([])

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failed(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw Failed(description: "connect: errno \(errno)")
        }
    }

    deinit {
        close(socket)
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// The text received so far, once `done` holds for it or the peer closed; throws when ten
    /// seconds pass without either.
    func read(until done: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.readBlocking(until: done) })
            }
        }
    }

    private func readBlocking(until done: (String) -> Bool) throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = received.withLock { String(decoding: $0, as: UTF8.self) }
            if done(text) { return text }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { return text }
            guard count > 0 else { throw Failed(description: "no answer within 10 s (errno \(errno))") }
            received.withLock { $0 += buffer[..<count] }
        }
    }
}
