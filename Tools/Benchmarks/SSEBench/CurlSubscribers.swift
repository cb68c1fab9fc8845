import ArgumentParser
import Foundation
import SSENIOServer

/// HTTP/2 subscribers for the benchmarks: `curl --http2 --parallel` processes over TLS, each
/// multiplexing its share of the streams over one connection and writing every stream's bytes to
/// its standard output, which a thread per process counts. (curl 7.88 fails the second stream of a
/// cleartext prior-knowledge connection with `--parallel`, so the benchmarks use TLS.)
struct CurlSubscribers {
    private let processes: [(process: Process, output: Pipe)]

    /// Starts `connections` curl processes holding `streams` streams to `url` in all.
    ///
    /// - Throws: When curl cannot be started.
    static func start(url: String, streams: Int, connections: Int) throws -> CurlSubscribers {
        var processes: [(Process, Pipe)] = []
        for index in 0..<connections {
            let count = streams / connections + (index < streams % connections ? 1 : 0)
            guard count > 0 else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["curl", "--silent", "--no-buffer", "--insecure", "--http2", "--parallel",
                                 "--parallel-max", "\(count)"] + Array(repeating: url, count: count)
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append((process, output))
        }
        return CurlSubscribers(processes: processes)
    }

    /// Reads until each process has written `bytesPerStream` bytes per stream it holds, and
    /// returns the monotonic time of the last byte.
    func waitForBytes(perStream bytesPerStream: Int, streams: Int) -> UInt64 {
        let group = DispatchGroup()
        let last = LastTime()
        for (index, entry) in processes.enumerated() {
            let count = streams / processes.count + (index < streams % processes.count ? 1 : 0)
            let expected = count * bytesPerStream
            let handle = entry.output.fileHandleForReading
            group.enter()
            Thread.detachNewThread {
                var received = 0
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while received < expected {
                    let read = buffer.withUnsafeMutableBytes { Foundation.read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                    if read > 0 { received += read } else if read == 0 || errno != EINTR { break }
                }
                last.record(BenchSupport.monotonicNanoseconds())
                group.leave()
            }
        }
        group.wait()
        return last.value
    }

    /// Makes a self-signed certificate for `127.0.0.1` with `openssl` in a temporary directory.
    ///
    /// - Returns: The server's protocols: TLS with that certificate.
    static func serverProtocols() throws -> EmbeddedHTTPServer.Protocols {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sse-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
                             "-addext", "subjectAltName=IP:127.0.0.1"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("openssl could not make a certificate") }
        return .tls(certificateChainFile: certificate, privateKeyFile: key)
    }

    /// Stops every curl process.
    func terminate() {
        for (process, _) in processes {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The latest of the times the reading threads record.
private final class LastTime: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: UInt64 = 0

    func record(_ time: UInt64) {
        lock.lock()
        latest = max(latest, time)
        lock.unlock()
    }

    var value: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return latest
    }
}
