#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import NIOCore
import SSEClient
import SSEProtocol
import SSETransport

/// One stream the harness created: an ``EventSource`` and the task that reports what it sees,
/// in order, to the harness's callback URL.
final class ContractStream: Sendable {
    private let options: StreamOptions
    private let callbacks: AsyncStream<CallbackMessage>.Continuation
    private let messages: AsyncStream<CallbackMessage>
    private let source = LockedState<EventSource?>(nil)
    private let tasks = LockedState<[Task<Void, Never>]>([])

    /// Creates a stream; nothing happens until ``start(transport:)``.
    ///
    /// - Parameter options: What the harness asked for.
    init(options: StreamOptions) {
        self.options = options
        (messages, callbacks) = AsyncStream.makeStream()
    }

    /// Starts subscribing and reporting in the background.
    ///
    /// - Parameter transport: The transport the stream uses.
    /// - Throws: When the stream URL is not a URL.
    func start(transport: any ClientTransport) throws {
        guard let url = URL(string: options.streamUrl), url.host != nil else { throw ContractError.badRequest("bad streamUrl") }
        let request = ClientRequest(
            url: url,
            method: options.method ?? "GET",
            headers: HTTPHeaderFields((options.headers ?? [:]).sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) }),
            body: options.body.map { Array($0.utf8) }
        )
        var configuration = EventSource.Configuration()
        configuration.transport = transport
        configuration.firstConnectionRetry = .forever
        configuration.lastEventID = options.lastEventId ?? ""
        if let delay = options.initialDelayMs { configuration.retry = .constant(.milliseconds(delay)) }
        if let timeout = options.readTimeoutMs { configuration.readTimeout = .milliseconds(timeout) }
        let callbacks = self.callbacks
        configuration.errorHandler = { error in
            callbacks.yield(.error("\(error)"))
            return .proceed
        }
        configuration.commentHandler = { callbacks.yield(.comment($0)) }

        let subscriber = Task {
            guard let stream = try? await EventSource.subscribe(to: request, configuration: configuration) else { return }
            self.source.withLock { $0 = stream }
            if Task.isCancelled { stream.close() }
            for await event in stream.events {
                callbacks.yield(.event(type: event.type, data: event.data, id: event.lastEventID))
            }
        }
        let reporter = Task { await self.report() }
        tasks.withLock { $0 = [subscriber, reporter] }
    }

    /// Restarts the stream's connection (nothing happens before it first connects).
    func restart() {
        source.withLock { $0 }?.restart()
    }

    /// Closes the stream and stops reporting.
    func close() {
        let tasks = tasks.withLock { $0 }
        tasks.forEach { $0.cancel() }
        source.withLock { $0 }?.close()
        callbacks.finish()
    }

    /// POSTs each message to `callbackUrl/N`, one after the other.
    private func report() async {
        let encoder = JSONEncoder()
        var counter = 0
        for await message in messages {
            counter += 1
            guard let body = try? encoder.encode(message) else { continue }
            var request = HTTPClientRequest(url: options.callbackUrl + "/\(counter)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            _ = try? await HTTPClient.shared.execute(request, timeout: .seconds(10))
        }
    }
}

/// A request the service refuses.
enum ContractError: Error {
    case badRequest(String)
}
