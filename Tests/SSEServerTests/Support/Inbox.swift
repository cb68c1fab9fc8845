import NIOCore
import SSEProtocol

/// What a ``RawConnection`` received, parsed as it arrives, with one waiter at a time.
///
/// Guarded by a pthread-based `LockedState`: ThreadSanitizer does not see the futex-based
/// `Synchronization.Mutex` on Linux and reports its guarded accesses (the event loop parsing,
/// the test reading) as a race.
final class Inbox: Sendable {
    struct State: Sendable {
        var raw: [UInt8] = []
        var head: ResponseHead?
        var body: [UInt8] = []
        var bodyEnded = false
        var closed = false
        fileprivate var parseIndex = 0
        fileprivate var chunked = false
        fileprivate var chunkRemaining = 0
    }

    enum Step<T> {
        case value(T)
        case changed
        case expired
    }

    private struct Box {
        var state = State()
        var expired = false
        var version = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let box = LockedState(Box())

    var snapshot: String {
        box.withLock { box in
            let raw = box.state.raw
            let text = String(decoding: raw.prefix(1000), as: UTF8.self).debugDescription
            return raw.count > 1000 ? "\(text)... (\(raw.count) bytes, \(box.state.body.count) decoded)" : text
        }
    }

    func received(_ bytes: ByteBufferView) {
        signal { state in
            state.raw.append(contentsOf: bytes)
            state.parse()
        }
    }

    func closed() {
        signal { $0.closed = true }
    }

    func expire() {
        let waiter = box.withLock { box in
            box.expired = true
            defer { box.waiter = nil }
            return box.waiter
        }
        waiter?.resume()
    }

    /// Returns the check's value, or waits for the next change (or the deadline).
    func next<T>(_ check: (State) -> T?) async -> Step<T> {
        let (step, version) = box.withLock { box -> (Step<T>?, Int) in
            if let value = check(box.state) { return (.value(value), box.version) }
            return (box.expired ? .expired : nil, box.version)
        }
        if let step { return step }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // A change between the check and now must not be missed: compare versions.
            let resumeNow = box.withLock { box in
                if box.expired || box.version != version { return true }
                box.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return .changed
    }

    private func signal(_ change: (inout State) -> Void) {
        let waiter = box.withLock { box in
            change(&box.state)
            box.version += 1
            defer { box.waiter = nil }
            return box.waiter
        }
        waiter?.resume()
    }
}

extension Inbox.State {
    /// Parses the head, then the body (de-chunked when the response is chunked).
    fileprivate mutating func parse() {
        if head == nil {
            guard let end = raw.firstRange(of: [13, 10, 13, 10]) else { return }
            let text = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
            let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            let fields = lines.dropFirst().map { line -> (name: String, value: String) in
                let colon = line.firstIndex(of: ":") ?? line.endIndex
                let value = line[colon...].dropFirst().drop { $0 == " " }
                return (String(line[..<colon]), String(value))
            }
            let parsed = ResponseHead(status: status, fields: fields, raw: text)
            head = parsed
            chunked = parsed["Transfer-Encoding"]?.lowercased() == "chunked"
            parseIndex = end.upperBound
        }
        guard chunked else {
            body.append(contentsOf: raw[parseIndex...])
            parseIndex = raw.count
            if let length = head?["Content-Length"].flatMap({ Int($0) }), body.count >= length { bodyEnded = true }
            return
        }
        while !bodyEnded {
            if chunkRemaining > 0 {
                let available = min(chunkRemaining, raw.count - parseIndex)
                guard available > 0 else { return }
                body.append(contentsOf: raw[parseIndex..<(parseIndex + available)])
                parseIndex += available
                chunkRemaining -= available
                if chunkRemaining == 0 { chunkRemaining = -2 }
                continue
            }
            if chunkRemaining < 0 {
                guard raw.count - parseIndex >= 2 else { return }
                parseIndex += 2
                chunkRemaining = 0
                continue
            }
            guard let lineEnd = raw[parseIndex...].firstRange(of: [13, 10]) else { return }
            let size = Int(String(decoding: raw[parseIndex..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
            parseIndex = lineEnd.upperBound
            if size == 0 {
                bodyEnded = true
            } else {
                chunkRemaining = size
            }
        }
    }
}

/// Feeds a connection's bytes and its end into an ``Inbox``.
final class InboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: Inbox

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.received(unwrapInboundIn(data).readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
