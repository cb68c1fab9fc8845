#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import SSELogging
import SSEProtocol
import SSETransport

/// The loop behind an ``EventSource``: connect, read, report, wait, reconnect.
///
/// Decisions come from ``ReconnectStateMachine``; this type does the I/O around them.
final class StreamConnection<C: Clock<Duration>>: Sendable {
    private let request: ClientRequest
    private let configuration: EventSource.Configuration
    private let clock: C
    private let control: StreamControl
    private let logger: Logger

    init(request: ClientRequest, configuration: EventSource.Configuration, clock: C, control: StreamControl) {
        self.request = request
        self.configuration = configuration
        self.clock = clock
        self.control = control
        var logger = configuration.logger
        logger[metadataKey: SSELogMetadataKey.url] = "\(request.url.absoluteString)"
        self.logger = logger
    }

    /// What reading one connection produced.
    private struct ReadResult: Sendable {
        var lastEventID: String
        var retry: Duration?
        var failure: ReconnectStateMachine.Failure
    }

    func run() async {
        let start = clock.now
        func elapsed() -> Duration { start.duration(to: clock.now) }
        var machine = ReconnectStateMachine(
            retry: configuration.retry, policy: configuration.reconnect, firstConnection: configuration.firstConnectionRetry
        )
        var lastEventID = configuration.lastEventID
        var lastError: EventSourceError?
        var finalError: EventSourceError?
        var lastSent = request
        while control.beginAttempt() {
            let failure: ReconnectStateMachine.Failure
            switch await connect(&lastSent, lastEventID: lastEventID) {
            case .failure(let error):
                failure = .error(error)
            case .success(let (response, url)):
                machine.connected(at: elapsed())
                logger.info("connected", metadata: [SSELogMetadataKey.lastEventID: "\(lastEventID)"])
                control.connected(headers: response.headers)
                let result = await read(response.body, url: url, lastEventID: lastEventID)
                lastEventID = result.lastEventID
                if let retry = result.retry { machine.serverRequestedRetry(retry) }
                failure = result.failure
            }
            if Task.isCancelled { break }
            let initial = !machine.hasConnected
            var action = machine.failed(failure, at: elapsed())
            if case .error(let error) = failure {
                lastError = error
                if configuration.completion.isOneShot && !initial {
                    // One request, one stream: whatever ended it, it is done.
                    action = .stop
                    if error.isCleanEnd {
                        await control.buffer.waitUntilConsumed()
                        break
                    }
                }
                logger.info("stream error", metadata: ["error": "\(error)"])
                guard await report(error, initial: initial) else {
                    finalError = error
                    break
                }
                if action == .stop { finalError = error }
            }
            guard case .reconnect(let delay) = action else { break }
            logger.info("reconnecting", metadata: ["delay": "\(delay)", SSELogMetadataKey.lastEventID: "\(lastEventID)"])
            do {
                try await clock.sleep(for: delay)
            } catch {
                break
            }
        }
        control.finish(subscriptionError: lastError, finalError: finalError)
    }

    /// Hands an error to the handler or the error sequence, after the consumer has finished with
    /// every earlier event. The handler hears every error, as Go's does; the sequence does not
    /// hear first-connection errors, which subscribing throws or retries.
    ///
    /// - Returns: `false` when the handler asked to close.
    private func report(_ error: EventSourceError, initial: Bool) async -> Bool {
        await control.buffer.waitUntilConsumed()
        if let handler = configuration.errorHandler {
            return !handler(error).closes
        }
        if !initial { control.errors.yield(error) }
        return true
    }

    // MARK: - Connecting

    /// Sends the request, following redirects, and checks the response.
    ///
    /// - Parameters:
    ///   - lastSent: The request sent last time; becomes the one sent now (before redirects), so
    ///     ``EventSource/Configuration/prepareRequest`` sees its previous result.
    ///   - lastEventID: The `Last-Event-ID` to send.
    private func connect(
        _ lastSent: inout ClientRequest,
        lastEventID: String
    ) async -> Result<(ClientResponse, URL), EventSourceError> {
        var request = lastSent
        request.headers["Accept"] = "text/event-stream"
        request.headers["Cache-Control"] = "no-cache"
        request.headers["Last-Event-ID"] = lastEventID.isEmpty ? nil : lastEventID
        if let prepare = configuration.prepareRequest {
            do {
                request = try await prepare(request)
            } catch {
                return .failure(.requestPreparationFailed(error))
            }
        }
        lastSent = request
        var redirects = 0
        while true {
            let response: ClientResponse
            do {
                response = try await configuration.transport.send(request)
            } catch {
                return .failure(.connectionFailed(error, url: request.url))
            }
            switch response.status {
            case 200:
                if let type = response.headers["Content-Type"], !type.lowercased().hasPrefix("text/event-stream") {
                    return .failure(.invalidContentType(url: request.url, headers: response.headers))
                }
                return .success((response, request.url))
            case 301, 302, 303, 307, 308:
                guard redirects < configuration.maximumRedirects else {
                    return .failure(.tooManyRedirects(url: request.url))
                }
                guard let target = redirectTarget(response, from: request.url) else {
                    return .failure(.invalidRedirect(response.status, url: request.url, headers: response.headers))
                }
                redirects += 1
                logger.debug("redirected", metadata: ["location": "\(target.absoluteString)"])
                request = redirected(request, to: target, status: response.status)
            default:
                let body = await excerpt(of: response.body)
                return .failure(.response(response.status, url: request.url, headers: response.headers, body: body))
            }
        }
    }

    private func redirectTarget(_ response: ClientResponse, from url: URL) -> URL? {
        guard let location = response.headers["Location"], !location.isEmpty,
              let target = URL(string: location, relativeTo: url)?.absoluteURL,
              let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = target.host, !host.isEmpty
        else { return nil }
        return target
    }

    /// The request to send to a redirect's target: 303, and 301 or 302 after a POST, become a
    /// bodiless GET as browsers and Go do; credentials stay behind when the host changes.
    private func redirected(_ request: ClientRequest, to target: URL, status: Int) -> ClientRequest {
        var next = request
        next.url = target
        if status == 303 || ((status == 301 || status == 302) && request.method == "POST") {
            next.method = "GET"
            next.body = nil
            next.headers["Content-Type"] = nil
        }
        if target.host != request.url.host || target.port != request.url.port {
            next.headers["Authorization"] = nil
            next.headers["Cookie"] = nil
        }
        return next
    }

    /// The start of an error response's body, bounded in size and in time.
    private func excerpt(of body: ClientResponseBody) async -> String {
        let bytes = await withTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var collected: [UInt8] = []
                do {
                    for try await chunk in body {
                        collected.append(contentsOf: chunk.prefix(EventSourceError.maximumBodyExcerpt - collected.count))
                        if collected.count >= EventSourceError.maximumBodyExcerpt { break }
                    }
                } catch {}
                return collected
            }
            group.addTask {
                try? await Task.sleep(for: self.configuration.readTimeout ?? .seconds(5))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        return String(decoding: bytes ?? [], as: UTF8.self)
    }

    // MARK: - Reading

    /// Reads one connection until it fails, ends, or is restarted or closed.
    private func read(_ body: ClientResponseBody, url: URL, lastEventID: String) async -> ReadResult {
        let task = Task { await self.decode(body, url: url, lastEventID: lastEventID) }
        control.startReading { task.cancel() }
        var result = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        control.buffer.flush()
        if control.finishedReading() { result.failure = .restart }
        return result
    }

    private func decode(_ body: ClientResponseBody, url: URL, lastEventID: String) async -> ReadResult {
        let decoderConfiguration = EventStreamDecoder.Configuration(
            maximumEventSize: configuration.maximumEventSize,
            reportsComments: configuration.commentHandler != nil,
            dispatchesBlocksWithoutData: configuration.dispatchesBlocksWithoutData,
            lastEventID: lastEventID
        )
        var iterator = FlushingChunks(body: body, buffer: control.buffer).serverSentEvents(
            configuration: decoderConfiguration, readTimeout: configuration.readTimeout, clock: clock
        ).makeAsyncIterator()
        let collector = EventCollector(completion: configuration.completion)
        // The last event ID of what was handed over: an event dropped because a restart or close
        // interrupted its delivery must not count, or the server would not replay it.
        var delivered = lastEventID
        let error: EventSourceError
        do {
            // Each network chunk's events come from the decoder's inner loop into one batch that
            // goes to the buffer in one step: no suspension point, lock or string per event (the
            // consumer builds the strings). A comment, a terminator or an error event interrupts
            // the batch, to be acted on once the events before it are handed over.
            func handOver() async -> Bool {
                guard !collector.pending.isEmpty else { return true }
                let count = collector.pending.count
                let last = collector.pending.lastEventID(at: count - 1)
                let sent = await control.buffer.send(contentsOf: &collector.pending)
                if sent == count {
                    delivered = last
                    return true
                }
                if sent > 0 { delivered = collector.pending.lastEventID(at: sent - 1) }
                collector.pending.removeAll()
                return false
            }
            // A hand-over cut short by a restart or close ends the read as a clean end would.
            let streamEnded = EventSourceError.ended(.streamEnded, url: url)
            func ending(_ failure: EventSourceError) -> ReadResult {
                ReadResult(lastEventID: delivered, retry: collector.retry, failure: .error(failure))
            }
            while try await iterator.next(eachView: collector.collect) {
                guard await handOver() else { return ending(streamEnded) }
                switch collector.interruption.take() {
                case .terminator?:
                    return ending(streamEnded)
                case .errorEvent(let event)?:
                    return ending(.errorEvent(event, url: url))
                case .comment(let text)?:
                    await control.buffer.waitUntilConsumed()
                    if !Task.isCancelled { configuration.commentHandler?(text) }
                case nil:
                    break
                }
                delivered = iterator.lastEventID
                if Task.isCancelled { break }
            }
            error = .ended(.streamEnded, url: url)
        } catch let decoding as EventStreamError {
            if decoding.hasSameCode(as: .readTimeout) {
                error = .ended(.readTimeout, url: url)
            } else if decoding.hasSameCode(as: .unexpectedEnd) {
                error = .ended(.unexpectedEnd, url: url)
            } else {
                error = .ended(.eventTooLarge, url: url)
            }
        } catch {
            return ReadResult(
                lastEventID: iterator.lastEventID, retry: collector.retry, failure: .error(.connectionFailed(error, url: url))
            )
        }
        return ReadResult(lastEventID: Task.isCancelled ? delivered : iterator.lastEventID, retry: collector.retry, failure: .error(error))
    }
}

/// A response body that hands the events queued so far to the consumer before each read, so the
/// events of one network chunk reach the consumer in one batch.
private struct FlushingChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let body: ClientResponseBody
    let buffer: EventBuffer

    func makeAsyncIterator() -> Iterator {
        Iterator(base: body.makeAsyncIterator(), buffer: buffer)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: ClientResponseBody.Iterator
        let buffer: EventBuffer

        mutating func next() async throws -> [UInt8]? {
            buffer.flush()
            return try await base.next()
        }
    }
}
