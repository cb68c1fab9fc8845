import Logging

extension Logger {
    /// A logger that discards everything: the default of every swift-sse configuration.
    ///
    /// Like the Go package, swift-sse logs nothing unless you hand it a logger.
    public static let disabled = Logger(label: "swift-sse.disabled", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A logger that formats each message as one line and hands it to `write`.
    ///
    /// This is the bridge for code that logs through a `println`-style function (Go's
    /// `Logger` interface, `print`, another logging framework).
    ///
    /// - Parameters:
    ///   - label: The logger's label, printed before each message.
    ///   - level: The lowest level written. Defaults to `.info`.
    ///   - write: Receives one formatted line per message, without a trailing newline.
    /// - Returns: A logger.
    public static func lines(
        label: String = "swift-sse",
        level: Logger.Level = .info,
        _ write: @escaping @Sendable (String) -> Void
    ) -> Logger {
        var logger = Logger(label: label, factory: { label in LineLogHandler(label: label, write: write) })
        logger.logLevel = level
        return logger
    }
}

/// Metadata keys that swift-sse's modules attach to their log messages.
public enum SSELogMetadataKey {
    /// The server channel a message is about.
    public static let channel = "sse.channel"
    /// The URL a client stream is connected to.
    public static let url = "sse.url"
    /// The last event ID at the time of the message.
    public static let lastEventID = "sse.last_event_id"
    /// The remote peer of a connection.
    public static let peer = "sse.peer"
}

/// A log handler that writes each message as one line through a function.
///
/// Lines read `LEVEL LABEL: MESSAGE key=value ...`, with metadata keys sorted.
public struct LineLogHandler: LogHandler {
    private let label: String
    private let write: @Sendable (String) -> Void

    /// The handler's own metadata, merged under each message's.
    public var metadata: Logger.Metadata = [:]

    /// The lowest level the handler writes. Defaults to `.info`.
    public var logLevel: Logger.Level = .info

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: Printed before each message.
    ///   - write: Receives each formatted line.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    /// Reads or writes one metadata value of the handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats and writes one message.
    public func log(event: LogEvent) {
        var line = "\(event.level) \(label): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key]!)"
        }
        write(line)
    }
}
