/// Items in order, each with what it counts against an ``EventBuffer``'s byte budget: what the
/// reader hands to the buffer in one step.
///
/// The buffer takes a whole batch by swapping storage with it when the batch fits an empty queue,
/// so handing over a network chunk's events copies none of them.
@usableFromInline
struct EventBatch<Element: Sendable>: Sendable {
    /// The items, oldest first.
    @usableFromInline private(set) var items: [Element] = []
    /// What each item counts against the byte budget, in the order of ``items``.
    @usableFromInline private(set) var sizes: [Int] = []
    /// The sum of ``sizes``.
    @usableFromInline private(set) var bytes = 0

    /// How many items the batch holds.
    var count: Int { items.count }

    /// Whether the batch holds no item.
    var isEmpty: Bool { items.isEmpty }

    /// Adds an item at the end, taking it over rather than copying it.
    mutating func append(_ item: consuming Element, bytes size: Int) {
        items.append(item)
        sizes.append(size)
        bytes += size
    }

    /// Adds the items of `other` in `range` at the end, copying them.
    mutating func append(_ other: EventBatch, range: Range<Int>) {
        items.append(contentsOf: other.items[range])
        sizes.append(contentsOf: other.sizes[range])
        bytes += other.sizes[range].reduce(0, +)
    }

    /// Removes and returns the last item, or `nil` when the batch is empty.
    @inlinable
    mutating func popLast() -> Element? {
        guard let item = items.popLast() else { return nil }
        bytes -= sizes.removeLast()
        return item
    }

    /// Reverses the order of the items, moving them without copying (through buffer pointers,
    /// whose swaps move where an array's copy).
    mutating func reverse() {
        items.withUnsafeMutableBufferPointer { $0.reverse() }
        sizes.reverse()
    }

    /// Removes every item, keeping the storage for the next batch.
    mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        sizes.removeAll(keepingCapacity: true)
        bytes = 0
    }
}
