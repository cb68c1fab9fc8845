import Logging
import SSELogging
import SSEProtocol
import Testing

@Suite("SSELogging bridges swift-log to line-based loggers")
struct LineLoggerTests {
    @Test("writes one line per message with level, label and sorted metadata")
    func writesLines() {
        let lines = LockedState<[String]>([])
        var logger = Logger.lines(label: "test", level: .debug) { line in lines.withLock { $0.append(line) } }
        logger[metadataKey: SSELogMetadataKey.url] = "http://127.0.0.1/x"
        logger.debug("connecting", metadata: [SSELogMetadataKey.lastEventID: "7"])
        logger.trace("dropped: below the level")
        #expect(lines.withLock { $0 } == ["debug test: connecting sse.last_event_id=7 sse.url=http://127.0.0.1/x"])
    }

    @Test("filters messages below the chosen level")
    func filtersByLevel() {
        let count = LockedState(0)
        let logger = Logger.lines(level: .error) { _ in count.withLock { $0 += 1 } }
        logger.info("not written")
        logger.error("written")
        #expect(count.withLock { $0 } == 1)
    }

    @Test("the disabled logger logs nothing")
    func disabledLogsNothing() {
        Logger.disabled.critical("goes nowhere")
        #expect(Logger.disabled.handler is SwiftLogNoOpLogHandler)
    }
}
