import Logging
import SSELogging
import SSEProtocol
import SSERepositories
import SSETransport

extension EventServer {
    /// The largest batch of replayed bytes written before waiting for the peer.
    private static let replayBatchSize = 32 * 1024

    /// Answers one request for a channel: refuses it, or subscribes it, replays, and streams.
    func serve(_ request: HTTPServerRequest, channel: String, responder: any HTTPServerResponder) async {
        switch request.method {
        case "GET":
            break
        case "OPTIONS":
            return responder.respond(configuration.crossOrigin.preflight(request))
        default:
            var refusal = HTTPServerResponse.text(405, "Method \(request.method) not allowed")
            refusal.head.headers["Allow"] = "GET, OPTIONS"
            return responder.respond(refusal)
        }
        let lastEventID = request.headers["Last-Event-ID"] ?? ""
        guard EventIDRule.accepts(lastEventID) else {
            return responder.respond(.text(400, "Malformed Last-Event-ID header"))
        }
        if let authorize = configuration.authorize,
           let status = await authorize(SubscriptionRequest(channel: channel, request: request)).refusalStatus {
            return responder.respond(.text(status, "Subscription to \(channel) refused"))
        }

        var head = streamHead(for: request)
        let coding = StreamCompression.negotiate(configuration.compression, acceptEncoding: request.headers.values(for: "Accept-Encoding"))
        let compressor = try? coding?.makeCompressor()
        if let compressor {
            head.headers["Content-Encoding"] = compressor.contentEncoding
            head.headers.add(name: "Vary", value: "Accept-Encoding")
        }
        guard let (subscriber, repository) = subscribe(channel: channel, responder: responder, compressor: compressor)
        else {
            let emptyStreamHead = head
            return responder.execute {
                responder.writeHead(emptyStreamHead)
                responder.finish()
            }
        }
        var replayedThrough: Int?
        if let repository, !lastEventID.isEmpty || configuration.replayAll {
            replayedThrough = await replay(from: repository, channel: channel, lastEventID: lastEventID, head: head, to: subscriber)
        } else {
            subscriber.start(head: head)
        }
        subscriber.started(replayedThrough: replayedThrough)
        if let limit = configuration.maximumConnectionTime { subscriber.expire(after: limit) }
    }

    /// Writes the head (with the replay's coverage) and the repository's events.
    ///
    /// - Returns: The replay's `Replay.lastSequence`, so that live events it held are dropped,
    ///   whether they were queued during the replay or arrive after it (an `EventStore` may
    ///   deliver an event after a replay that began after its COMMIT already held it).
    private func replay(
        from repository: any Repository,
        channel: String,
        lastEventID: String,
        head: HTTPServerResponseHead,
        to subscriber: Subscriber
    ) async -> Int? {
        let replay: Replay
        do {
            replay = try await repository.replay(channel: channel, lastEventID: lastEventID)
        } catch {
            configuration.logger.error(
                "Replay failed: \(error)",
                metadata: [SSELogMetadataKey.channel: "\(channel)", SSELogMetadataKey.lastEventID: "\(lastEventID)"]
            )
            subscriber.start(head: head)
            return nil
        }
        var head = head
        head.headers[ReplayCoverage.headerName] = replay.coverage.rawValue
        subscriber.start(head: head)

        let encoder = EventEncoder()
        var batch: [UInt8] = []
        var count = 0
        do {
            for try await event in replay.events {
                guard subscriber.isActive else { break }
                do {
                    try encoder.encode(event, into: &batch)
                    count += 1
                } catch {
                    configuration.logger.error("Skipped a stored event that cannot be encoded: \(error)")
                }
                if batch.count >= Self.replayBatchSize {
                    await subscriber.writeReplay(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            configuration.logger.error("Replay stopped: \(error)", metadata: [SSELogMetadataKey.channel: "\(channel)"])
        }
        if !batch.isEmpty { await subscriber.writeReplay(batch) }
        metrics.replayed(count)
        return replay.lastSequence
    }

    /// The head of an event stream: Go's headers, plus CORS and proxy hints.
    private func streamHead(for request: HTTPServerRequest) -> HTTPServerResponseHead {
        var headers = configuration.crossOrigin.headers(origin: request.headers["Origin"])
        headers["Content-Type"] = "text/event-stream; charset=utf-8"
        headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
        headers["Connection"] = "keep-alive"
        headers["X-Accel-Buffering"] = "no"
        return HTTPServerResponseHead(status: 200, headers: headers)
    }
}
