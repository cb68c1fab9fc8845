import Foundation

/// The lines of standard input, read on a thread of their own so that a blocked read never
/// holds up a Swift concurrency thread; the sequence ends at the end of input.
enum StandardInputLines {
    /// Starts reading.
    ///
    /// - Returns: Each line without its newline, with its line number (from 1).
    static func start() -> AsyncStream<(number: Int, text: String)> {
        let (lines, continuation) = AsyncStream<(number: Int, text: String)>.makeStream()
        Thread.detachNewThread {
            var number = 0
            while let line = readLine(strippingNewline: true) {
                number += 1
                continuation.yield((number, line))
            }
            continuation.finish()
        }
        return lines
    }
}
