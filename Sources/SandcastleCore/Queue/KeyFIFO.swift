/// A first-in, first-out set of preview keys: each key at most once, oldest out first, amortised
/// O(1) both ways. The storage under ``BoundedKeyQueue`` and the controller's work queue.
public struct KeyFIFO: Sendable {
    private var order: [PreviewKey] = []
    private var head = 0
    private var members: Set<PreviewKey> = []

    public init() {}

    public var count: Int { members.count }
    public func contains(_ key: PreviewKey) -> Bool { members.contains(key) }

    /// Appends `key`; `false` when it is already waiting.
    @discardableResult
    public mutating func append(_ key: PreviewKey) -> Bool {
        guard members.insert(key).inserted else { return false }
        order.append(key)
        return true
    }

    /// Removes and returns the oldest key.
    public mutating func popFirst() -> PreviewKey? {
        guard head < order.count else { return nil }
        let key = order[head]
        head += 1
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        members.remove(key)
        return key
    }
}
