/// The SQL names of one store's tables, function and notification channel, quoted once.
struct PostgresTables: Sendable {
    /// The schema, quoted.
    let schema: String
    /// `sse_meta`: the schema version.
    let meta: String
    /// `sse_channels`: per channel, the last sequence and the newest event retention removed.
    let channels: String
    /// `sse_events`: the history.
    let events: String
    /// `sse_append`: one append in one round trip (what version 1 nodes call).
    let append: String
    /// `sse_append_batch`: a batch of appends in one round trip and one transaction.
    let appendBatch: String
    /// The `NOTIFY` channel, unquoted (as `LISTEN` and `pg_notify` take it).
    let notificationChannel: String
    /// The key of the advisory lock that one node at a time holds while it creates the schema or trims.
    let lockKey: Int64

    /// Whether a schema name is safe to use unquoted and as part of a `LISTEN` channel: 1 to 56
    /// ASCII letters, digits and underscores, not starting with a digit.
    static func isValid(schema: String) -> Bool {
        let bytes = Array(schema.utf8)
        guard (1...56).contains(bytes.count), !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    init(schema: String) {
        let quoted = "\"" + schema + "\""
        self.schema = quoted
        meta = quoted + ".sse_meta"
        channels = quoted + ".sse_channels"
        events = quoted + ".sse_events"
        append = quoted + ".sse_append"
        appendBatch = quoted + ".sse_append_batch"
        notificationChannel = schema + "_events"
        // FNV-1a of the schema name: stable across processes, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in schema.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        lockKey = Int64(bitPattern: hash)
    }
}
