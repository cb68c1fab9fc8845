/// The subscribers of one channel: an array to iterate while publishing, with O(1) removal.
struct SubscriberList {
    private(set) var items: [Subscriber] = []
    private var positions: [ObjectIdentifier: Int] = [:]

    mutating func insert(_ subscriber: Subscriber) {
        positions[ObjectIdentifier(subscriber)] = items.count
        items.append(subscriber)
    }

    /// Removes a subscriber; `false` when it was not in the list.
    mutating func remove(_ subscriber: Subscriber) -> Bool {
        guard let position = positions.removeValue(forKey: ObjectIdentifier(subscriber)) else { return false }
        let last = items.removeLast()
        if position < items.count {
            items[position] = last
            positions[ObjectIdentifier(last)] = position
        }
        return true
    }
}
