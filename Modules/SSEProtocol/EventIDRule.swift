/// The one rule for event ids that a server may publish and accept back as `Last-Event-ID`.
///
/// An id is valid when it is empty (no id) or when every byte is printable ASCII (`0x20` to
/// `0x7E`) and it neither starts nor ends with a space. Anything else does not survive the round
/// trip from the `id:` field to the `Last-Event-ID` request header and back:
/// - CR, LF and the other control characters (`0x00` to `0x1F`) and DEL (`0x7F`) break the
///   stream's framing or are not allowed in header values;
/// - a leading space is dropped by the decoder (`id:  x` reads as ` x`, one space kept), and
///   HTTP strips spaces around header values, so ` x` and `x ` come back as `x`;
/// - non-ASCII ids are refused: browsers disagree on how they encode them in the header (the
///   Fetch standard reads header values as bytes, some browsers send Latin-1), so they may
///   come back as other bytes, or as invalid UTF-8.
///
/// ``EventEncoder`` refuses ids that break this rule, so an ``EventEncoder`` never writes an id
/// a client cannot send back; servers use ``accepts(_:)`` to check `Last-Event-ID`.
public enum EventIDRule {
    /// Whether `id` is a valid event id (see ``EventIDRule``).
    ///
    /// - Parameter id: The id, or a `Last-Event-ID` header value.
    /// - Returns: `true` when the id is empty or printable ASCII without surrounding spaces.
    public static func accepts(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard let first = utf8.first, let last = utf8.last else { return true }
        guard first != .space, last != .space else { return false }
        return utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }
}
